import { analystsSeeAll } from '../policies/access.js';
import { Router, type Request } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { FirmRow, UserRow } from '../../db/schema.js';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import type { AuditContext, AuditEntry } from '../audit.js';
import { writeAudit } from '../audit.js';
import { parseInput } from '../validate.js';
import { conflict, mfaRequired, notFound, rateLimited, unauthenticated, validationFailed } from '../errors.js';
import { accessProblemError, requireViewer } from '../middleware/authenticate.js';
import { accessProblem, clientOf } from '../auth/access.js';
import { authorize } from '../policies/index.js';
import { mfaStepFor, startSession } from '../auth/sign-in.js';
import { endSessions, endUserSessions } from '../auth/revoke.js';
import { voidResets } from '../auth/password-reset.js';
import { verifyDummyPassword, verifyPassword } from '../auth/password.js';
import { throttleFailure, throttleReset, throttleWait, tokenBucket } from '../auth/rate-limit.js';
import { checkTotp, claimTotpStep, newTotpSecret, openTotpSecret, sealTotpSecret, totpUri, type TotpCheck } from '../auth/totp.js';
import { consumeRecoveryCode, recoveryCodesLeft, replaceRecoveryCodes } from '../auth/recovery-codes.js';
import {
  EnrolConfirmInput, EnrolStartInput, LoginInput, MfaInput, RegenerateRecoveryCodesInput, SecuritySettingsInput,
  type EnrolStartResult, type LoginResult, type MfaResult, type MfaStatusDTO, type RecoveryCodesResult, type SecuritySettingsDTO,
} from '../contracts/auth.js';

const INVALID_LOGIN = 'Invalid email or password.';
const Empty = z.object({}).strict();

/**
 * Sign-in and the second factor: password login, TOTP / recovery-code verification, authenticator
 * enrolment, recovery-code regeneration, an admin's MFA reset and the firm's MFA setting.
 * A new session token is issued at every privilege step (password, then second factor).
 */
export function authRouter(deps: AppDeps): Router {
  const r = Router();
  // Per address: a burst of 30 attempts, then one every 2 s (per-account back-off is in the database).
  const perIp = tokenBucket(30, 0.5, deps.clock);
  const firmRow = () => deps.db.selectFrom('firm').selectAll().executeTakeFirst();
  const audit = (ctx: AuditContext, entry: AuditEntry) => writeAudit(deps.db, ctx, entry, deps.clock());
  const endSession = (sessionId: string, reason: string) => endSessions(deps, [sessionId], reason);
  const markSignedIn = (userId: string) => deps.db.updateTable('users').set({ last_login_at: deps.clock() }).where('id', '=', userId).execute();

  /** Re-authentication for sensitive changes; it shares the password's per-account budget with login. */
  async function reauthenticate(req: Request, user: UserRow, password: string | undefined, action: string): Promise<void> {
    if (!password) throw validationFailed('password: Enter your current password.', [{ path: 'password', message: 'Enter your current password.' }]);
    const key = `login:${user.email.toLowerCase()}`;
    const wait = await throttleWait(deps.db, key, deps.clock());
    if (wait > 0) {
      await audit(auditContextOf(req), { action, outcome: 'denied', details: { reason: 'throttled' } });
      throw rateLimited(wait);
    }
    const ok = user.password_hash ? await verifyPassword(user.password_hash, password) : await verifyDummyPassword(password);
    if (!ok) {
      await throttleFailure(deps.db, key, deps.clock());
      await audit(auditContextOf(req), { action, outcome: 'failure', details: { reason: 'wrong_password' } });
      throw validationFailed('password: The password is not correct.', [{ path: 'password', message: 'The password is not correct.' }]);
    }
    await throttleReset(deps.db, key);
  }

  /** Check a TOTP code against the user's active secret and claim its step (single use). */
  async function checkUserTotp(user: UserRow, code: string, now: number): Promise<TotpCheck> {
    const secret = openTotpSecret(deps.config, user.id, user.totp_secret_enc!);
    const check = checkTotp(secret, code, now, user.totp_last_step);
    if (check.ok && !(await claimTotpStep(deps.db, user.id, check.step))) return { ok: false, reason: 'replay' };
    return check;
  }

  r.post('/auth/login', async (req, res) => {
    const ipTurn = perIp.take(req.ip ?? 'unknown');
    const input = parseInput(LoginInput, req.body);
    const base: AuditContext = { ...auditContextOf(req), actorId: null, actorEmail: input.email, clientId: null };
    const attempt = (outcome: AuditEntry['outcome'], reason: string, user?: UserRow) =>
      audit({ ...base, actorId: user?.id ?? null, clientId: user?.client_id ?? null }, { action: 'auth.login', outcome, details: { factor: 'password', reason } });
    if (!ipTurn.ok) {
      await attempt('denied', 'throttled');
      throw rateLimited(ipTurn.retryAfterSeconds);
    }
    // Keyed by the claimed email whether or not it exists, so throttling is no existence oracle.
    const key = `login:${input.email}`;
    const wait = await throttleWait(deps.db, key, deps.clock());
    if (wait > 0) {
      await attempt('denied', 'throttled');
      throw rateLimited(wait);
    }
    const user = await deps.db.selectFrom('users').selectAll().where('email', '=', input.email).executeTakeFirst();
    const usable = user?.status === 'active' && user.password_hash ? user : null;
    // Exactly one argon2 verification on every path, so timing does not say whether the account exists.
    const ok = usable ? await verifyPassword(usable.password_hash!, input.password) : await verifyDummyPassword(input.password);
    if (!ok || !usable) {
      await throttleFailure(deps.db, key, deps.clock());
      const reason = !user ? 'unknown_account' : user.status === 'removed' ? 'removed' : !usable ? 'no_password' : 'wrong_password';
      await attempt('failure', reason, user);
      throw unauthenticated(INVALID_LOGIN);
    }
    const problem = accessProblem(usable, await clientOf(deps.db, usable), req.ip ?? null);
    if (problem) {
      await attempt('denied', problem, usable);
      throw accessProblemError(problem);
    }
    await throttleReset(deps.db, key);
    const mfaStep = mfaStepFor(usable, await firmRow());
    // Whatever session this browser brought along ends: a planted cookie can't survive a sign-in.
    if (req.viewer) await endSession(req.viewer.session.id, 'signed_in_again');
    await startSession(deps, req, res, usable, mfaStep === null);
    if (mfaStep === null) await markSignedIn(usable.id);
    await audit({ ...base, actorId: usable.id, clientId: usable.client_id }, { action: 'auth.login', outcome: 'success', details: { factor: 'password', mfaStep } });
    const body: LoginResult = { mfaStep };
    res.json(body);
  });

  r.post('/auth/mfa', async (req, res) => {
    const v = requireViewer(req, { mfa: false });
    const input = parseInput(MfaInput, req.body);
    if (v.session.mfa_verified) throw conflict('Two-factor authentication is already complete for this session.');
    if (!v.user.totp_secret_enc) throw conflict('Set up an authenticator app first.');
    const ctx = auditContextOf(req);
    const factor = input.code !== undefined ? 'totp' : 'recovery_code';
    // Per user, not per session: signing in again does not buy more guesses.
    const key = `totp:${v.user.id}`;
    const now = deps.clock();
    const wait = await throttleWait(deps.db, key, now);
    if (wait > 0) {
      await audit(ctx, { action: 'auth.mfa', outcome: 'denied', details: { factor, reason: 'throttled' } });
      throw rateLimited(wait);
    }
    const check: TotpCheck =
      input.code !== undefined
        ? await checkUserTotp(v.user, input.code, now)
        : (await consumeRecoveryCode(deps.db, v.user.id, input.recoveryCode!, now))
          ? { ok: true, step: -1 }
          : { ok: false, reason: 'invalid' };
    if (!check.ok) {
      await throttleFailure(deps.db, key, now);
      const replay = check.reason === 'replay';
      await audit(ctx, { action: 'auth.mfa', outcome: replay ? 'denied' : 'failure', details: { factor, reason: replay ? 'mfa_replay' : 'wrong_code' } });
      throw unauthenticated(replay ? 'That code was already used. Wait for the next one.' : 'That code is not valid.');
    }
    await throttleReset(deps.db, key);
    await endSession(v.session.id, 'mfa_completed');
    await startSession(deps, req, res, v.user, true);
    await markSignedIn(v.user.id);
    const left = factor === 'recovery_code' ? await recoveryCodesLeft(deps.db, v.user.id) : null;
    await audit(ctx, { action: 'auth.mfa', outcome: 'success', details: { factor, ...(left === null ? {} : { recoveryCodesLeft: left }) } });
    const body: MfaResult = { recoveryCodesLeft: left };
    res.json(body);
  });

  r.post('/auth/mfa/enrol/start', async (req, res) => {
    const v = requireViewer(req, { mfa: false });
    const input = parseInput(EnrolStartInput, req.body);
    // During sign-in only a person with nothing enrolled may start; a signed-in person re-enrolling proves it is them.
    if (!v.session.mfa_verified) {
      if (v.user.totp_secret_enc) throw mfaRequired();
    } else {
      await reauthenticate(req, v.user, input.password, 'mfa.enrol_started');
    }
    const secret = newTotpSecret();
    const otpauthUrl = totpUri(secret, (await firmRow())?.name ?? 'Debrief', v.user.email);
    const qrSvg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    const now = deps.clock();
    await deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ totp_pending_enc: sealTotpSecret(deps.config, v.user.id, secret), updated_at: now }).where('id', '=', v.user.id).execute();
      await writeAudit(trx, auditContextOf(req), { action: 'mfa.enrol_started', outcome: 'success', targetType: 'user', targetId: v.user.id }, now);
    });
    const body: EnrolStartResult = { secret, otpauthUrl, qrSvg };
    res.json(body);
  });

  r.post('/auth/mfa/enrol/confirm', async (req, res) => {
    const v = requireViewer(req, { mfa: false });
    const input = parseInput(EnrolConfirmInput, req.body);
    if (!v.session.mfa_verified && v.user.totp_secret_enc) throw mfaRequired();
    const pending = v.user.totp_pending_enc;
    if (!pending) throw conflict('Start setting up your authenticator app again.');
    const ctx = auditContextOf(req);
    const key = `totp:${v.user.id}`;
    const now = deps.clock();
    const wait = await throttleWait(deps.db, key, now);
    if (wait > 0) {
      await audit(ctx, { action: 'mfa.enrolled', outcome: 'denied', details: { reason: 'throttled' } });
      throw rateLimited(wait);
    }
    // A new secret has no used steps yet; the accepted step becomes the first "last used" one.
    const check = checkTotp(openTotpSecret(deps.config, v.user.id, pending), input.code, now, null);
    if (!check.ok) {
      await throttleFailure(deps.db, key, now);
      await audit(ctx, { action: 'mfa.enrolled', outcome: 'failure', details: { reason: 'wrong_code' } });
      const message = 'That code is not valid. Check that your phone’s clock is right and enter the current code.';
      throw validationFailed(`code: ${message}`, [{ path: 'code', message }]);
    }
    await throttleReset(deps.db, key);
    const firstSignIn = !v.session.mfa_verified;
    const recoveryCodes = await deps.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('users')
        .set({ totp_secret_enc: pending, totp_pending_enc: null, totp_last_step: check.step, updated_at: now, ...(firstSignIn ? { last_login_at: now } : {}) })
        .where('id', '=', v.user.id)
        .where('totp_pending_enc', '=', pending)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw conflict('Start setting up your authenticator app again.');
      const codes = await replaceRecoveryCodes(trx, v.user.id, now);
      await writeAudit(trx, ctx, { action: 'mfa.enrolled', outcome: 'success', targetType: 'user', targetId: v.user.id, details: { replaced: !!v.user.totp_secret_enc } }, now);
      return codes;
    });
    // The factor changed: every session of this user ends (another device may hold the old one); this browser gets a new token.
    await endUserSessions(deps, v.user.id, 'mfa_enrolled');
    await startSession(deps, req, res, v.user, true);
    const body: RecoveryCodesResult = { recoveryCodes };
    res.json(body);
  });

  r.get('/profile/mfa', async (req, res) => {
    const v = requireViewer(req);
    const firm = await firmRow();
    const body: MfaStatusDTO = {
      enrolled: !!v.user.totp_secret_enc,
      recoveryCodesLeft: v.user.totp_secret_enc ? await recoveryCodesLeft(deps.db, v.user.id) : 0,
      required: v.user.kind === 'portal' || !!firm?.mfa_required_for_staff,
    };
    res.json(body);
  });

  r.post('/profile/recovery-codes', async (req, res) => {
    const v = requireViewer(req);
    const input = parseInput(RegenerateRecoveryCodesInput, req.body);
    if (!v.user.totp_secret_enc) throw conflict('Set up an authenticator app first.');
    await reauthenticate(req, v.user, input.password, 'mfa.recovery_codes_regenerated');
    const now = deps.clock();
    const recoveryCodes = await deps.db.transaction().execute(async (trx) => {
      const codes = await replaceRecoveryCodes(trx, v.user.id, now);
      await writeAudit(trx, auditContextOf(req), { action: 'mfa.recovery_codes_regenerated', outcome: 'success', targetType: 'user', targetId: v.user.id }, now);
      return codes;
    });
    const body: RecoveryCodesResult = { recoveryCodes };
    res.json(body);
  });

  r.post('/admin/users/:id/mfa-reset', async (req, res) => {
    const viewer = requireViewer(req, { kind: 'staff' });
    parseInput(Empty, req.body);
    const target = await deps.db.selectFrom('users').select(['id', 'kind', 'client_id']).where('id', '=', String(req.params.id)).executeTakeFirst();
    if (!target) throw notFound();
    // Any staff member who reaches the client may help its user who lost their phone; a staff
    // account's second factor is an admin's call.
    if (target.kind === 'staff') authorize(viewer.user, 'staff.manage');
    else authorize(viewer.user, 'portalUser.manage', { type: 'clientUsers', clientId: target.client_id ?? '' });
    const now = deps.clock();
    await deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ totp_secret_enc: null, totp_pending_enc: null, totp_last_step: null, updated_at: now }).where('id', '=', target.id).execute();
      await trx.deleteFrom('recovery_codes').where('user_id', '=', target.id).execute();
      await trx.deleteFrom('auth_throttle').where('key', '=', `totp:${target.id}`).execute();
      await voidResets(trx, target.id, now);
      await writeAudit(trx, auditContextOf(req), { action: 'mfa.reset', outcome: 'success', targetType: 'user', targetId: target.id, details: { targetClientId: target.client_id } }, now);
    });
    // Their sessions (and live sockets) end now; next sign-in goes through enrolment again.
    await endUserSessions(deps, target.id, 'mfa_reset');
    res.status(204).end();
  });

  r.get('/admin/security', async (req, res) => {
    requireViewer(req, { kind: 'staff', role: 'admin' });
    res.json(securitySettingsOf(await firmRow()));
  });

  r.put('/admin/security', async (req, res) => {
    requireViewer(req, { kind: 'staff', role: 'admin' });
    const input = parseInput(SecuritySettingsInput, req.body);
    const now = deps.clock();
    await deps.db.transaction().execute(async (trx) => {
      const set: Record<string, number | null> = { updated_at: now };
      if (input.mfaRequiredForStaff !== undefined) set.mfa_required_for_staff = input.mfaRequiredForStaff ? 1 : 0;
      if (input.analystsSeeAllClients !== undefined) set.analysts_see_all_clients = input.analystsSeeAllClients ? 1 : 0;
      if (input.sessionIdleMinutes !== undefined) set.session_idle_minutes = input.sessionIdleMinutes;
      if (input.sessionAbsoluteHours !== undefined) set.session_absolute_hours = input.sessionAbsoluteHours;
      const updated = await trx.updateTable('firm').set(set).where('id', '=', 1).executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw notFound();
      await writeAudit(trx, auditContextOf(req), { action: 'firm.security_updated', outcome: 'success', targetType: 'firm', details: input }, now);
    });
    // Analysts' scope may have narrowed: their open sockets leave what they no longer reach.
    if (input.analystsSeeAllClients !== undefined) deps.bus.publish('scope.changed', {});
    res.json(securitySettingsOf(await firmRow()));
  });

  /** The firm's security settings with the configured defaults they fall back to. */
  function securitySettingsOf(firm: FirmRow | undefined): SecuritySettingsDTO {
    return {
      mfaRequiredForStaff: !!firm?.mfa_required_for_staff,
      analystsSeeAllClients: analystsSeeAll(firm),
      sessionIdleMinutes: firm?.session_idle_minutes ?? null,
      sessionAbsoluteHours: firm?.session_absolute_hours ?? null,
      defaults: { sessionIdleMinutes: deps.config.sessionIdleMs / 60_000, sessionAbsoluteHours: deps.config.sessionAbsoluteMs / 3_600_000 },
    };
  }

  return r;
}
