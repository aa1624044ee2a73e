import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { createLimiter } from '../auth/rate-limit.js';
import { commandContextOf } from '../middleware/command-context.js';
import { originContextOf, setSessionCookie } from '../middleware/origin-context.js';
import { login } from '../commands/account/login.js';
import { verifyMfa } from '../commands/account/verify-mfa.js';
import { startMfaEnrolment } from '../commands/account/start-mfa-enrolment.js';
import { confirmMfaEnrolment } from '../commands/account/confirm-mfa-enrolment.js';
import { regenerateRecoveryCodes } from '../commands/account/regenerate-recovery-codes.js';
import { resetUserMfa } from '../commands/account/reset-user-mfa.js';
import { updateSecuritySettings } from '../commands/account/update-security-settings.js';
import { mfaStatus, securitySettings } from '../queries/account.js';

/**
 * Sign-in and the second factor: password login, TOTP / recovery-code verification, authenticator
 * enrolment, recovery-code regeneration, an admin's MFA reset and the firm's MFA setting.
 * A new session token is issued at every privilege step (password, then second factor).
 */
export function authRouter(deps: AppDeps): Router {
  const r = Router();
  // Per address, across instances: a burst of 30 attempts, then one every 2 s (per-account back-off is in the database).
  const perIp = createLimiter(deps, { name: 'login-ip', burst: 30, perSecond: 0.5 });

  serve(r, 'POST /auth/login', async ({ req, res, input }) => {
    const turn = await perIp.take(req.ip ?? 'unknown');
    const { result, session } = await login(deps, originContextOf(req), input(), turn);
    setSessionCookie(res, deps.config, session);
    return result;
  });

  serve(r, 'POST /auth/mfa', async ({ req, res, input }) => {
    const ctx = commandContextOf(req, { mfa: false });
    const { result, session } = await verifyMfa(deps, ctx, input());
    setSessionCookie(res, deps.config, session);
    return result;
  });

  serve(r, 'POST /auth/mfa/enrol/start', async ({ req, input }) => {
    const ctx = commandContextOf(req, { mfa: false });
    return await startMfaEnrolment(deps, ctx, input());
  });

  serve(r, 'POST /auth/mfa/enrol/confirm', async ({ req, res, input }) => {
    const ctx = commandContextOf(req, { mfa: false });
    const { result, session } = await confirmMfaEnrolment(deps, ctx, input());
    setSessionCookie(res, deps.config, session);
    return result;
  });

  serve(r, 'GET /profile/mfa', async ({ req }) => mfaStatus(deps, commandContextOf(req)));

  serve(r, 'POST /profile/recovery-codes', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return await regenerateRecoveryCodes(deps, ctx, input());
  });

  serve(r, 'POST /admin/users/:id/mfa-reset', async ({ req, input }) => {
    const ctx = commandContextOf(req, { kind: 'staff' });
    input();
    await resetUserMfa(deps, ctx, String(req.params.id));
  });

  serve(r, 'GET /admin/security', async ({ req }) => {
    commandContextOf(req, { kind: 'staff', role: 'admin' });
    return await securitySettings(deps);
  });

  serve(r, 'PUT /admin/security', async ({ req, input }) => {
    const ctx = commandContextOf(req, { kind: 'staff', role: 'admin' });
    await updateSecuritySettings(deps, ctx, input());
    return await securitySettings(deps);
  });

  return r;
}
