import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import { SetupInput } from '../contracts/api.js';
import { parseInput } from '../validate.js';
import { forbidden, notFound, validationFailed } from '../errors.js';
import { hashPassword, passwordProblem } from '../auth/password.js';
import { writeAudit } from '../audit.js';
import { startSession } from '../auth/sign-in.js';
import { presentSelf } from '../presenters/user.js';

/** First-run setup: creates the firm and the first admin. 404 once any staff account exists. */
export function setupRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/setup', async (_req, res) => {
    if (!(await deps.setup.isOpen())) throw notFound();
    res.json({ setupRequired: true });
  });

  r.post('/setup', async (req, res) => {
    if (!(await deps.setup.isOpen())) throw notFound();
    const input = parseInput(SetupInput, req.body);
    if (!deps.setup.codeMatches(input.code)) {
      await writeAudit(deps.db, auditContextOf(req), { action: 'setup.attempt', outcome: 'denied' }, deps.clock());
      throw forbidden('The setup code is not correct. Copy it from the server log.');
    }
    const problem = passwordProblem(input.password);
    if (problem) throw validationFailed(`password: ${problem}`, [{ path: 'password', message: problem }]);
    const passwordHash = await hashPassword(input.password);
    const now = deps.clock();
    const userId = randomUUID();
    // One transaction re-checks that no staff exists, so two racing requests can't both claim the server.
    const user = await deps.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('users').select('id').where('kind', '=', 'staff').executeTakeFirst();
      if (existing) throw notFound();
      await trx
        .insertInto('firm')
        .values({ id: 1, name: input.firmName, mfa_required_for_staff: 0, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet({ name: input.firmName, updated_at: now }))
        .execute();
      await trx
        .insertInto('users')
        .values({ id: userId, kind: 'staff', role: 'admin', client_id: null, email: input.email, name: input.name, password_hash: passwordHash, status: 'active', created_at: now, updated_at: now, last_login_at: now })
        .execute();
      await writeAudit(trx, { ...auditContextOf(req), actorId: userId, actorEmail: input.email }, { action: 'setup.completed', outcome: 'success', targetType: 'user', targetId: userId }, now);
      return trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    });
    deps.setup.close();
    req.log.info({ userId }, 'first admin created');
    await startSession(deps, req, res, user, true);
    res.status(201).json({ user: presentSelf(user) });
  });

  return r;
}
