import { randomUUID } from 'node:crypto';
import type { Database, UserRow } from '../../../db/schema.js';
import type { Kysely } from 'kysely';
import type { AppDeps } from '../../context.js';
import { writeAudit, type AuditContext } from '../../audit.js';
import { forbidden, notFound, validationFailed } from '../../errors.js';
import type { SetupInput } from '../../contracts/api.js';
import { hashPassword, passwordProblem } from '../../auth/password.js';
import { issueSession, type IssuedSession } from '../../auth/sign-in.js';
import { findFirm, upsertFirm } from '../../repositories/firm.js';
import { mfaStepFor } from '../../auth/sign-in.js';
import { anyStaffExists, getUser, insertUser } from '../../repositories/users.js';
import type { OriginContext } from './origin.js';

/** The first admin as setup creates them (the password already hashed). */
export interface FirstAdmin {
  id: string;
  firmName: string;
  name: string;
  email: string;
  passwordHash: string;
}

const WRONG_CODE = 'The setup code is not correct. Copy it from the server log.';

/**
 * First-run setup: with the one-time code from the server log, create the firm and its first
 * admin, signed in at once (owing the MFA enrolment: a new firm requires staff MFA). 404 once any staff account exists; the code is voided (on every
 * instance) in the same transaction.
 */
export async function setUpFirm(
  deps: AppDeps,
  ctx: OriginContext,
  input: SetupInput,
): Promise<{ user: UserRow; session: IssuedSession; mfaStep: 'enrol' | null }> {
  if (!(await deps.setup.codeMatches(input.code))) {
    await writeAudit(deps.db, ctx.audit, { action: 'setup.attempt', outcome: 'denied' }, deps.clock());
    throw forbidden(WRONG_CODE);
  }
  const problem = passwordProblem(input.password);
  if (problem) throw validationFailed(`password: ${problem}`, [{ path: 'password', message: problem }]);
  const admin: FirstAdmin = {
    id: randomUUID(),
    firmName: input.firmName,
    name: input.name,
    email: input.email,
    passwordHash: await hashPassword(input.password),
  };
  const now = deps.clock();
  const user = await deps.db.transaction().execute(async (trx) => {
    const created = await claimServer(trx, admin, ctx.audit, now);
    // The code is void on every instance once this commits; used meanwhile (through another
    // instance), it no longer is the code, and nothing of this setup is kept.
    if (!(await deps.setup.consume(trx, input.code))) throw forbidden(WRONG_CODE);
    return created;
  });
  // A new firm requires staff MFA: the first admin's session owes the enrolment (TOTP, then
  // recovery codes) before it reaches anything else, like every later staff sign-in.
  const mfaStep = mfaStepFor(user.kind, false, await findFirm(deps.db)) === 'enrol' ? 'enrol' : null;
  const session = await issueSession(deps, user, mfaStep === null, ctx.audit);
  return { user, session, mfaStep };
}

/**
 * Create the firm and its first admin (inside the caller's transaction); 404 when a staff account
 * exists already. Of two setups at once only one claims the server: the firm's row is written
 * first and serves as the lock — on PostgreSQL the second setup's upsert waits there until the
 * first commits, and its check, a new statement, then sees the first admin.
 */
export async function claimServer(trx: Kysely<Database>, admin: FirstAdmin, audit: AuditContext, now: number): Promise<UserRow> {
  await upsertFirm(trx, admin.firmName, now);
  if (await anyStaffExists(trx)) throw notFound();
  await insertUser(trx, {
    id: admin.id,
    kind: 'staff',
    role: 'admin',
    client_id: null,
    email: admin.email,
    name: admin.name,
    password_hash: admin.passwordHash,
    status: 'active',
    created_at: now,
    updated_at: now,
    last_login_at: now,
  });
  await writeAudit(
    trx,
    { ...audit, actorId: admin.id, actorEmail: admin.email },
    { action: 'setup.completed', outcome: 'success', targetType: 'user', targetId: admin.id },
    now,
  );
  return getUser(trx, admin.id);
}
