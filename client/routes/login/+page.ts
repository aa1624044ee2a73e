import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getSession } from '$lib/api/session';
import { passwordlessAvailable } from '$lib/api/passkeys';
import { getSsoOffer } from '$lib/api/sso';

/**
 * Someone already fully signed in goes to the front door; everyone else sees the form, with
 * "Sign in with a passkey" when the firm allows it, and the single sign-on there is (not knowing
 * hides those buttons, never the form).
 */
export const load: PageLoad = async ({ fetch }) => {
  const passwordless = passwordlessAvailable(fetch).then(
    (a) => a.passwordless,
    () => false,
  );
  const sso = getSsoOffer(fetch).catch(() => ({ staff: null, clients: false }));
  try {
    const s = await getSession(fetch);
    if (s.mfaVerified) redirect(307, '/');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
  }
  return { passwordless: await passwordless, sso: await sso };
};
