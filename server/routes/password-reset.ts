import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { rateLimited } from '../errors.js';
import { createLimiter } from '../auth/rate-limit.js';
import { originContextOf } from '../middleware/origin-context.js';
import { RESET_REQUESTED_MESSAGE } from '../contracts/profile.js';
import { requestPasswordReset } from '../commands/account/request-password-reset.js';
import { resetPassword } from '../commands/account/reset-password.js';
import { resetLinkPreview } from '../queries/account.js';

/**
 * Forgotten password, for people who are not signed in. The request answers the same way (status,
 * body and, within a few ms, time) whether or not the address has an account. Confirming sets
 * the password and ends every session, and does NOT sign in: the person signs in with the new
 * password and then their second factor, so a mailbox alone never gets past MFA.
 */
export function passwordResetRouter(deps: AppDeps): Router {
  const r = Router();
  // Per address, across instances: 10 at once, then one a minute. Per-email limits are in takeResetQuota.
  const perIp = createLimiter(deps, { name: 'reset-ip', burst: 10, perSecond: 1 / 60 });

  serve(r, 'POST /auth/password-reset', async ({ req, input }) => {
    const ip = await perIp.take(req.ip ?? 'unknown');
    if (!ip.ok) throw rateLimited(ip.retryAfterSeconds, 'Too many requests from your network. Please wait and try again.');
    const { email } = input();
    await requestPasswordReset(deps, originContextOf(req), email);
    return { message: RESET_REQUESTED_MESSAGE };
  });

  serve(r, 'GET /auth/password-reset/:token', async ({ req }) => resetLinkPreview(deps, req.params.token));

  serve(r, 'POST /auth/password-reset/confirm', async ({ req, input }) => {
    await resetPassword(deps, originContextOf(req), input());
  });

  return r;
}
