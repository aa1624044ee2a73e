import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getSession } from '$lib/api/session';
import { startEnrolment } from '$lib/api/auth';

/**
 * First-time set-up of a second factor during sign-in: a passkey, or (when the account may use one)
 * an authenticator app, for which a fresh secret is made each time this page loads (the previous
 * unconfirmed one is discarded). A session the passkeys-only policy owes a passkey (step
 * `passkey`) is offered only the passkey. Signed-in people manage theirs from Account → Two-factor
 * authentication instead.
 */
export const load: PageLoad = async ({ fetch }) => {
  let session;
  try {
    session = await getSession(fetch);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) redirect(307, '/login');
    throw err;
  }
  if (session.mfaVerified) redirect(307, '/');
  if (session.mfaStep === 'verify') redirect(307, '/login/mfa');
  // Only a passkey is accepted: no authenticator secret is made (the server would refuse it anyway).
  if (session.mfaStep === 'passkey' || !session.mfaMethods.includes('totp')) return { session, enrolment: null, problem: null };
  try {
    return { session, enrolment: await startEnrolment(), problem: null };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) redirect(307, '/login');
    return { session, enrolment: null, problem: err instanceof ApiError ? err.message : 'Could not start the set-up.' };
  }
};
