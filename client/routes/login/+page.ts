import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getSession } from '$lib/api/session';
import { passwordlessAvailable } from '$lib/api/passkeys';

/**
 * Someone already fully signed in goes to the front door; everyone else sees the form, with
 * "Sign in with a passkey" when the firm allows it (not knowing hides the button, never the form).
 */
export const load: PageLoad = async ({ fetch }) => {
  const passwordless = passwordlessAvailable(fetch).then(
    (a) => a.passwordless,
    () => false,
  );
  try {
    const s = await getSession(fetch);
    if (s.mfaVerified) redirect(307, '/');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
  }
  return { passwordless: await passwordless };
};
