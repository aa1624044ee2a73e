import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { tokenBucket } from '../auth/rate-limit.js';
import { commandContextOf } from '../middleware/command-context.js';
import { originContextOf, setSessionCookie } from '../middleware/origin-context.js';
import {
  EnrolConfirmInput,
  EnrolStartInput,
  LoginInput,
  MfaInput,
  MfaResetInput,
  RegenerateRecoveryCodesInput,
  SecuritySettingsInput,
} from '../contracts/auth.js';
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
  // Per address: a burst of 30 attempts, then one every 2 s (per-account back-off is in the database).
  const perIp = tokenBucket(30, 0.5, deps.clock);

  r.post('/auth/login', async (req, res) => {
    const turn = perIp.take(req.ip ?? 'unknown');
    const { result, session } = await login(deps, originContextOf(req), parseInput(LoginInput, req.body), turn);
    setSessionCookie(res, deps.config, session);
    res.json(result);
  });

  r.post('/auth/mfa', async (req, res) => {
    const ctx = commandContextOf(req, { mfa: false });
    const { result, session } = await verifyMfa(deps, ctx, parseInput(MfaInput, req.body));
    setSessionCookie(res, deps.config, session);
    res.json(result);
  });

  r.post('/auth/mfa/enrol/start', async (req, res) => {
    const ctx = commandContextOf(req, { mfa: false });
    res.json(await startMfaEnrolment(deps, ctx, parseInput(EnrolStartInput, req.body)));
  });

  r.post('/auth/mfa/enrol/confirm', async (req, res) => {
    const ctx = commandContextOf(req, { mfa: false });
    const { result, session } = await confirmMfaEnrolment(deps, ctx, parseInput(EnrolConfirmInput, req.body));
    setSessionCookie(res, deps.config, session);
    res.json(result);
  });

  r.get('/profile/mfa', async (req, res) => {
    res.json(await mfaStatus(deps, commandContextOf(req)));
  });

  r.post('/profile/recovery-codes', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json(await regenerateRecoveryCodes(deps, ctx, parseInput(RegenerateRecoveryCodesInput, req.body)));
  });

  r.post('/admin/users/:id/mfa-reset', async (req, res) => {
    const ctx = commandContextOf(req, { kind: 'staff' });
    parseInput(MfaResetInput, req.body);
    await resetUserMfa(deps, ctx, String(req.params.id));
    res.status(204).end();
  });

  r.get('/admin/security', async (req, res) => {
    commandContextOf(req, { kind: 'staff', role: 'admin' });
    res.json(await securitySettings(deps));
  });

  r.put('/admin/security', async (req, res) => {
    const ctx = commandContextOf(req, { kind: 'staff', role: 'admin' });
    await updateSecuritySettings(deps, ctx, parseInput(SecuritySettingsInput, req.body));
    res.json(await securitySettings(deps));
  });

  return r;
}
