import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getSession } from '$lib/api/session';

/** Only for a session that owes a factor: signed out → /login, done → '/', nothing enrolled or a passkey owed → set-up. */
export const load: PageLoad = async ({ fetch }) => {
  try {
    const session = await getSession(fetch);
    if (session.mfaVerified) redirect(307, '/');
    if (session.mfaStep === 'enrol' || session.mfaStep === 'passkey') redirect(307, '/mfa/setup');
    return { session };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) redirect(307, '/login');
    throw err;
  }
};
