import { redirect } from '@sveltejs/kit';
import { ApiError } from '$lib/api/http';
import { getSession } from '$lib/api/session';

/** The staff app: signed-in staff only (the server enforces this on every call; this only routes). */
export async function load({ fetch }) {
  try {
    const session = await getSession(fetch);
    if (!session.mfaVerified) redirect(307, '/login');
    if (session.user.kind !== 'staff') redirect(307, '/portal');
    return { session };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) redirect(307, '/login');
    throw err;
  }
}
