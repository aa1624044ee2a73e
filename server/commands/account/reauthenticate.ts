import type { AuditAction } from '../../contracts/audit-actions.js';
import type { UserRow } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import { writeAudit, type AuditContext } from '../../audit.js';
import { rateLimited, validationFailed } from '../../errors.js';
import { verifyDummyPassword, verifyPassword } from '../../auth/password.js';
import { throttleFailure, throttleReset, throttleWait } from '../../auth/rate-limit.js';

/**
 * Re-authentication for sensitive changes (re-enrolling an authenticator, new recovery codes); it
 * shares the password's per-account budget with login. A refusal is audited as `action`.
 */
export async function reauthenticate(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  audit: AuditContext,
  user: UserRow,
  password: string | undefined,
  action: AuditAction,
): Promise<void> {
  if (!password) throw validationFailed('password: Enter your current password.', [{ path: 'password', message: 'Enter your current password.' }]);
  const key = `login:${user.email.toLowerCase()}`;
  const wait = await throttleWait(deps.db, key, deps.clock());
  if (wait > 0) {
    await writeAudit(deps.db, audit, { action, outcome: 'denied', details: { reason: 'throttled' } }, deps.clock());
    throw rateLimited(wait);
  }
  const ok = user.password_hash ? await verifyPassword(user.password_hash, password) : await verifyDummyPassword(password);
  if (!ok) {
    await throttleFailure(deps.db, key, deps.clock());
    await writeAudit(deps.db, audit, { action, outcome: 'failure', details: { reason: 'wrong_password' } }, deps.clock());
    throw validationFailed('password: The password is not correct.', [{ path: 'password', message: 'The password is not correct.' }]);
  }
  await throttleReset(deps.db, key);
}
