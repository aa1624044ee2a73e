import { randomUUID } from 'node:crypto';
import type { UserRow } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { forbidden, notFound, validationFailed } from '../../errors.js';
import type { SetupInput } from '../../contracts/api.js';
import { hashPassword, passwordProblem } from '../../auth/password.js';
import { issueSession, type IssuedSession } from '../../auth/sign-in.js';
import { upsertFirm } from '../../repositories/firm.js';
import { anyStaffExists, getUser, insertUser } from '../../repositories/users.js';
import type { OriginContext } from './origin.js';

/**
 * First-run setup: with the one-time code from the server log, create the firm and its first
 * admin, signed in at once. 404 once any staff account exists; the code is voided after use.
 */
export async function setUpFirm(deps: AppDeps, ctx: OriginContext, input: SetupInput): Promise<{ user: UserRow; session: IssuedSession }> {
  if (!deps.setup.codeMatches(input.code)) {
    await writeAudit(deps.db, ctx.audit, { action: 'setup.attempt', outcome: 'denied' }, deps.clock());
    throw forbidden('The setup code is not correct. Copy it from the server log.');
  }
  const problem = passwordProblem(input.password);
  if (problem) throw validationFailed(`password: ${problem}`, [{ path: 'password', message: problem }]);
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock();
  const userId = randomUUID();
  // One transaction re-checks that no staff exists, so two racing requests can't both claim the server.
  const user = await deps.db.transaction().execute(async (trx) => {
    if (await anyStaffExists(trx)) throw notFound();
    await upsertFirm(trx, input.firmName, now);
    await insertUser(trx, {
      id: userId,
      kind: 'staff',
      role: 'admin',
      client_id: null,
      email: input.email,
      name: input.name,
      password_hash: passwordHash,
      status: 'active',
      created_at: now,
      updated_at: now,
      last_login_at: now,
    });
    await writeAudit(
      trx,
      { ...ctx.audit, actorId: userId, actorEmail: input.email },
      { action: 'setup.completed', outcome: 'success', targetType: 'user', targetId: userId },
      now,
    );
    return getUser(trx, userId);
  });
  deps.setup.close();
  const session = await issueSession(deps, user, true, ctx.audit);
  return { user, session };
}
