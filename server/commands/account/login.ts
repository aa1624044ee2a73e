import type { UserRow } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import { writeAudit, type AuditContext, type AuditEntry } from '../../audit.js';
import { auditText } from '../../audit-text.js';
import { forbidden, rateLimited, unauthenticated } from '../../errors.js';
import type { LoginInput, LoginResult } from '../../contracts/auth.js';
import { accessProblem, accessProblemError, clientOf } from '../../auth/access.js';
import { verifyDummyPassword, verifyPassword } from '../../auth/password.js';
import { throttleFailure, throttleReset, throttleWait } from '../../auth/rate-limit.js';
import { endSessions } from '../../auth/revoke.js';
import { issueSession, mfaStepFor, type IssuedSession } from '../../auth/sign-in.js';
import { mfaMethods as methodsFor, passkeysOnly } from '../../auth/passkeys.js';
import { ssoOnlyRefuses } from '../../auth/sso.js';
import { findUserByEmail, markSignedIn } from '../../repositories/users.js';
import { findFirm } from '../../repositories/firm.js';
import type { OriginContext } from './origin.js';

const INVALID_LOGIN = 'Invalid email or password.';

/** The caller's per-address rate limit for this attempt (an in-memory bucket of the transport). */
export type AddressTurn = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Sign in with email and password: a new session, verified unless a second factor is owed
 * (`mfaStep`). Whatever session this browser brought along ends, so a planted cookie can't
 * survive a sign-in. Every attempt is audited; every refusal looks the same from outside.
 */
export async function login(deps: AppDeps, ctx: OriginContext, input: LoginInput, turn: AddressTurn): Promise<{ result: LoginResult; session: IssuedSession }> {
  const base: AuditContext = { ...ctx.audit, actorId: null, actorEmail: auditText(input.email), clientId: null, actorKind: 'anonymous' };
  const audit = (c: AuditContext, entry: AuditEntry) => writeAudit(deps.db, c, entry, deps.clock());
  // A refused attempt is made by whoever typed the address (anonymous); an existing account it
  // names is the target, and its client the row's client (so that client's Managers see it).
  const attempt = (outcome: AuditEntry['outcome'], reason: string, user?: UserRow) =>
    audit(
      { ...base, clientId: user?.client_id ?? null },
      { action: 'auth.login', outcome, ...(user && { targetType: 'user', targetId: user.id }), details: { factor: 'password', reason } },
    );
  // Keyed by the claimed email whether or not it exists, so throttling is no existence oracle.
  const key = `login:${input.email}`;
  const wait = turn.ok ? await throttleWait(deps.db, key, deps.clock()) : turn.retryAfterSeconds;
  if (wait > 0) {
    // The account it names (if any) is looked up only for the row: one indexed read, as for any address.
    await attempt('denied', 'throttled', await findUserByEmail(deps.db, input.email));
    throw rateLimited(wait);
  }
  const user = await findUserByEmail(deps.db, input.email);
  const usable = user?.status === 'active' && user.password_hash ? user : null;
  // Exactly one argon2 verification on every path, so timing does not say whether the account exists.
  const ok = usable ? await verifyPassword(usable.password_hash!, input.password) : await verifyDummyPassword(input.password);
  if (!ok || !usable) {
    await throttleFailure(deps.db, key, deps.clock());
    const reason = !user ? 'unknown_account' : user.status === 'removed' ? 'removed' : !usable ? 'no_password' : 'wrong_password';
    await attempt('failure', reason, user);
    throw unauthenticated(INVALID_LOGIN);
  }
  const client = await clientOf(deps.db, usable);
  const problem = accessProblem(usable, client, ctx.audit.ip ?? null);
  if (problem) {
    await attempt('denied', problem, usable);
    throw accessProblemError(problem);
  }
  await throttleReset(deps.db, key);
  const firm = await findFirm(deps.db);
  // Checked after the password: the answer tells nothing to someone who does not know it.
  if (ssoOnlyRefuses(usable, firm)) {
    await attempt('denied', 'sso_only', usable);
    throw forbidden('Your firm signs staff in through single sign-on only. Use the single sign-on button.');
  }
  const person = { totp: usable.totp_secret_enc !== null, passkeys: usable.passkey_count };
  const mfaStep = mfaStepFor(usable.kind, person.totp || person.passkeys > 0, firm);
  const mfaMethods = methodsFor(person, passkeysOnly(usable.kind, firm, client), mfaStep);
  if (ctx.sessionId) await endSessions(deps, [ctx.sessionId], null);
  const session = await issueSession(deps, usable, mfaStep === null, ctx.audit);
  if (mfaStep === null) await markSignedIn(deps.db, usable.id, deps.clock());
  await audit(
    { ...base, actorId: usable.id, actorEmail: usable.email, actorKind: usable.kind, clientId: usable.client_id },
    { action: 'auth.login', outcome: 'success', targetType: 'user', targetId: usable.id, details: { factor: 'password', mfaStep } },
  );
  return { result: { mfaStep, mfaMethods }, session };
}
