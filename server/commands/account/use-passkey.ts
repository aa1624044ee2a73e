import type { AppDeps, CommandContext } from '../../context.js';
import { writeAudit, type AuditContext, type AuditEntry } from '../../audit.js';
import { conflict, forbidden, rateLimited, unauthenticated } from '../../errors.js';
import type { LoginResult, MfaResult } from '../../contracts/auth.js';
import type { PasskeyAssertionInput, PasskeyOptionsDTO } from '../../contracts/passkeys.js';
import { accessProblem, accessProblemError, clientOf } from '../../auth/access.js';
import { authenticationOptions, CHALLENGE_MS, checkAssertion } from '../../auth/passkeys.js';
import { throttleFailure, throttleReset, throttleWait } from '../../auth/rate-limit.js';
import { endSessions } from '../../auth/revoke.js';
import { hashSecretHex, randomToken } from '../../auth/tokens.js';
import { issueSession, type IssuedSession } from '../../auth/sign-in.js';
import { findFirm } from '../../repositories/firm.js';
import { ssoOnlyRefuses } from '../../auth/sso.js';
import { findPasskeyByCredential, listPasskeys, recordPasskeyUse, saveChallenge, takeChallenge, type PasskeyRow } from '../../repositories/passkeys.js';
import { findUser, markSignedIn } from '../../repositories/users.js';
import type { OriginContext } from './origin.js';

/**
 * Using a passkey: as the second factor of a password sign-in, or alone (the firm's passwordless
 * sign-in; a passkey with user verification is both factors). Each ceremony's challenge is used
 * once: it is taken before the answer is checked, so a replayed answer finds none. A signature
 * counter that went backwards (a cloned authenticator) is refused and audited.
 */

type UseOutcome = { ok: true; passkey: PasskeyRow } | { ok: false; reason: string; passkey?: PasskeyRow };

async function usePasskey(
  deps: AppDeps,
  response: PasskeyAssertionInput['response'],
  challenge: string,
  userId: string | null,
  now: number,
): Promise<UseOutcome> {
  const passkey = await findPasskeyByCredential(deps.db, response.id);
  if (!passkey || (userId !== null && passkey.user_id !== userId)) return { ok: false, reason: 'unknown_passkey' };
  const check = await checkAssertion(deps.config, response, challenge, passkey);
  if (!check.ok) return { ok: false, reason: check.reason, passkey };
  // Two uses of one answer race here: the counter moves once.
  if (!(await recordPasskeyUse(deps.db, passkey.id, passkey.counter, check.newCounter, check.backedUp, now))) return { ok: false, reason: 'replay', passkey };
  return { ok: true, passkey };
}

/** The second factor, step 1: options naming the person's passkeys, with a challenge bound to this half-signed-in session. */
export async function startPasskeyMfa(deps: AppDeps, ctx: CommandContext): Promise<PasskeyOptionsDTO> {
  const v = ctx.viewer;
  if (v.session.mfa_verified) throw conflict('Two-factor authentication is already complete for this session.');
  const passkeys = await listPasskeys(deps.db, v.user.id);
  if (passkeys.length === 0) throw conflict('You have no passkey. Use your authenticator app or a recovery code.');
  return askInSession(deps, ctx, 'mfa', await authenticationOptions(deps.config, passkeys));
}

/** Keep a ceremony's challenge under this session (replacing the one it asked before) and answer its options. */
export async function askInSession(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  ctx: CommandContext,
  purpose: 'register' | 'mfa',
  options: { challenge: string },
): Promise<PasskeyOptionsDTO> {
  const { session, user } = ctx.viewer;
  const now = deps.clock();
  await saveChallenge(
    deps.db,
    { id: session.id, purpose, challenge: options.challenge, session_id: session.id, user_id: user.id, expires_at: now + CHALLENGE_MS },
    now,
  );
  return { options: options as unknown as Record<string, unknown> };
}

/** The second factor, step 2: the half-signed-in session ends and a verified one is issued. */
export async function verifyPasskeyMfa(
  deps: AppDeps,
  ctx: CommandContext,
  input: PasskeyAssertionInput,
): Promise<{ result: MfaResult; session: IssuedSession }> {
  const v = ctx.viewer;
  if (v.session.mfa_verified) throw conflict('Two-factor authentication is already complete for this session.');
  const now = deps.clock();
  const audit = (entry: Omit<AuditEntry, 'action'>) =>
    writeAudit(deps.db, ctx.audit, { action: 'auth.mfa', targetType: 'user', targetId: v.user.id, ...entry }, now);
  // The same per-person budget as codes: signing in again buys no more attempts.
  const key = `totp:${v.user.id}`;
  const wait = await throttleWait(deps.db, key, now);
  if (wait > 0) {
    await audit({ outcome: 'denied', details: { factor: 'webauthn', reason: 'throttled' } });
    throw rateLimited(wait);
  }
  const challenge = await takeChallenge(deps.db, v.session.id, 'mfa', now);
  const used: UseOutcome = challenge ? await usePasskey(deps, input.response, challenge.challenge, v.user.id, now) : { ok: false, reason: 'no_challenge' };
  if (!used.ok) {
    await throttleFailure(deps.db, key, now);
    const denied = used.reason === 'cloned_authenticator' || used.reason === 'replay';
    await audit({
      outcome: denied ? 'denied' : 'failure',
      details: { factor: 'webauthn', reason: used.reason, ...(used.passkey && { passkeyId: used.passkey.id }) },
    });
    throw unauthenticated(used.reason === 'no_challenge' ? 'That took too long. Try your passkey again.' : 'That passkey could not be verified.');
  }
  await throttleReset(deps.db, key);
  await endSessions(deps, [v.session.id], null);
  const session = await issueSession(deps, v.user, true, ctx.audit);
  await markSignedIn(deps.db, v.user.id, now);
  await audit({ outcome: 'success', details: { factor: 'webauthn', passkeyId: used.passkey.id } });
  return { result: { recoveryCodesLeft: null, passkeyOwed: false }, session };
}

/** Whether the firm lets a passkey alone sign people in (the sign-in page asks before offering it). */
export async function passwordlessAvailable(deps: Pick<AppDeps, 'db'>): Promise<{ passwordless: boolean }> {
  return { passwordless: (await findFirm(deps.db))?.passwordless_sign_in === 1 };
}

/**
 * Passwordless, step 1: options for any discoverable passkey of this site, with a challenge bound
 * to a cookie only this browser holds (there is no session yet). The cookie's value is returned
 * for the HTTP adapter to set; only its hash is stored.
 */
export async function startPasskeySignIn(deps: AppDeps): Promise<{ result: PasskeyOptionsDTO; binding: string }> {
  if (!(await passwordlessAvailable(deps)).passwordless) throw forbidden('Signing in with a passkey alone is not enabled. Use your email and password.');
  const options = await authenticationOptions(deps.config, null);
  const binding = randomToken(20);
  const now = deps.clock();
  await saveChallenge(
    deps.db,
    { id: hashSecretHex(binding), purpose: 'signin', challenge: options.challenge, session_id: null, user_id: null, expires_at: now + CHALLENGE_MS },
    now,
  );
  return { result: { options: options as unknown as Record<string, unknown> }, binding };
}

/**
 * Passwordless, step 2: the passkey names its person; they must be active and allowed in (portal on,
 * address allowed), and the firm must still allow it. Whatever session the browser brought ends.
 * Every refusal looks the same from outside and is audited with its reason.
 */
export async function finishPasskeySignIn(
  deps: AppDeps,
  ctx: OriginContext,
  binding: string | null,
  input: PasskeyAssertionInput,
): Promise<{ result: LoginResult; session: IssuedSession }> {
  const now = deps.clock();
  const base: AuditContext = { ...ctx.audit, actorId: null, actorEmail: null, clientId: null, actorKind: 'anonymous' };
  const refuse = async (reason: string, user?: { id: string; client_id: string | null }, outcome: AuditEntry['outcome'] = 'failure') => {
    await writeAudit(
      deps.db,
      { ...base, clientId: user?.client_id ?? null },
      { action: 'auth.login', outcome, ...(user && { targetType: 'user', targetId: user.id }), details: { factor: 'webauthn', reason } },
      now,
    );
    return unauthenticated('That passkey could not sign you in. Try again, or use your email and password.');
  };
  const challenge = binding ? await takeChallenge(deps.db, hashSecretHex(binding), 'signin', now) : undefined;
  if (!challenge) throw await refuse('no_challenge');
  if (!(await passwordlessAvailable(deps)).passwordless) throw await refuse('passwordless_off', undefined, 'denied');
  const used = await usePasskey(deps, input.response, challenge.challenge, null, now);
  const owner = used.passkey ? await findUser(deps.db, used.passkey.user_id) : undefined;
  if (!used.ok) throw await refuse(used.reason, owner, used.reason === 'cloned_authenticator' || used.reason === 'replay' ? 'denied' : 'failure');
  if (!owner || owner.status !== 'active') throw await refuse(owner ? owner.status : 'unknown_account', owner, 'denied');
  if (ssoOnlyRefuses(owner, await findFirm(deps.db))) throw await refuse('sso_only', owner, 'denied');
  const problem = accessProblem(owner, await clientOf(deps.db, owner), ctx.audit.ip ?? null);
  if (problem) {
    await refuse(problem, owner, 'denied');
    throw accessProblemError(problem);
  }
  if (ctx.sessionId) await endSessions(deps, [ctx.sessionId], null);
  const session = await issueSession(deps, owner, true, ctx.audit);
  await markSignedIn(deps.db, owner.id, now);
  await writeAudit(
    deps.db,
    { ...base, actorId: owner.id, actorEmail: owner.email, actorKind: owner.kind, clientId: owner.client_id },
    {
      action: 'auth.login',
      outcome: 'success',
      targetType: 'user',
      targetId: owner.id,
      details: { factor: 'webauthn', passkeyId: used.passkey.id, mfaStep: null },
    },
    now,
  );
  return { result: { mfaStep: null, mfaMethods: [] }, session };
}
