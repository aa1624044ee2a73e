import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { enrolTotp, totpCode } from '../support/totp.js';
import type { UserRow } from '../../db/schema.js';
import { claimTotpStep } from '../../server/auth/totp.js';

/**
 * A TOTP code is single use even under concurrency (server/auth/totp.ts claimTotpStep, used by
 * POST /api/auth/mfa, the login's second step): the same valid code sent at once from several
 * half-signed-in browsers completes at most one of them.
 *
 * On SQLite each request's queries resolve in microtasks, so one request usually runs from its
 * session lookup to its claim before the next one is even read, and the earlier claim's step is
 * seen in the user row (checkTotp calls it a replay). That hides the claim's own guard, which is
 * what holds on PostgreSQL (real concurrency) or whenever a request yields. So the "interleaved"
 * runs delay every UPDATE of `users` on app.db by a macrotask: all requests then read the user row
 * with totp_last_step still empty before any claim lands, and only claimTotpStep's conditional
 * UPDATE (and the route acting on its answer) can stop the others.
 */

/** Delay the execution of every `updateTable('users')` query on `db` (until the returned undo is called). */
function delayUserUpdates(db: TestApp['db'], ms = 50): () => void {
  const real = db.updateTable;
  const wrap = <T extends object>(b: T): T =>
    new Proxy(b, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (typeof v !== 'function') return v;
        if (prop === 'execute' || prop === 'executeTakeFirst' || prop === 'executeTakeFirstOrThrow') {
          return async (...args: unknown[]) => {
            await new Promise((r) => setTimeout(r, ms));
            return v.apply(target, args);
          };
        }
        return (...args: unknown[]) => {
          const out = v.apply(target, args);
          return out && typeof out === 'object' && 'executeTakeFirst' in out ? wrap(out) : out;
        };
      },
    });
  (db as { updateTable: unknown }).updateTable = (table: string) => {
    const qb = real.call(db, table as 'users');
    return table === 'users' ? wrap(qb) : qb;
  };
  return () => void ((db as { updateTable: unknown }).updateTable = real);
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

async function raceSameCode(user: UserRow, n: number, interleave: boolean) {
  const secret = await enrolTotp(app, user);
  const agents = await Promise.all(Array.from({ length: n }, () => signIn(app, user, { mfaVerified: false })));
  const code = totpCode(secret, app.clock());
  const undo = interleave ? delayUserUpdates(app.db) : () => {};
  try {
    const results = await Promise.all(agents.map((a) => a.post('/api/auth/mfa', { code })));
    return { agents, results, code };
  } finally {
    undo();
  }
}

describe.each([
  ['as they arrive', false],
  ['interleaved (every request reads the user before any claim lands)', true],
])('the same TOTP code sent in concurrent requests, %s', (_name, interleave) => {
  it.each([2, 5])('completes exactly one of %i sign-ins; the others are told it was already used', async (n) => {
    const user = await buildStaff(app.db);
    const { agents, results } = await raceSameCode(user, n, interleave);
    const statuses = results.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 200),
      JSON.stringify(statuses),
    ).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(401);
      expect(r.body.error.message).toMatch(/already used/);
    }
    // Only the winner's browser is signed in.
    const sessions = await Promise.all(agents.map(async (a) => (await a.get('/api/session')).body?.mfaVerified ?? false));
    expect(sessions.filter(Boolean)).toHaveLength(1);
    const audit = await app.db
      .selectFrom('audit_events')
      .select(['outcome', 'details'])
      .where('action', '=', 'auth.mfa')
      .where('actor_id', '=', user.id)
      .execute();
    expect(audit.filter((a) => a.outcome === 'success')).toHaveLength(1);
    expect(audit.filter((a) => a.outcome === 'denied' && JSON.parse(a.details ?? '{}').reason === 'mfa_replay')).toHaveLength(n - 1);
  });

  it('holds for a portal user too, and the step stays claimed for a later request', async () => {
    const user = await buildPortalUser(app.db);
    const { results, code } = await raceSameCode(user, 3, interleave);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const late = await signIn(app, user, { mfaVerified: false });
    expect((await late.post('/api/auth/mfa', { code })).status).toBe(401);
  });
});

describe('claimTotpStep', () => {
  it('claims a step once; an equal or earlier step is refused, a later one accepted', async () => {
    const user = await buildStaff(app.db);
    expect(await claimTotpStep(app.db, user.id, 100)).toBe(true);
    expect(await claimTotpStep(app.db, user.id, 100)).toBe(false);
    expect(await claimTotpStep(app.db, user.id, 99)).toBe(false);
    expect(await claimTotpStep(app.db, user.id, 101)).toBe(true);
    const row = await app.db.selectFrom('users').select('totp_last_step').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.totp_last_step).toBe(101);
    const [a, b] = await Promise.all([claimTotpStep(app.db, user.id, 102), claimTotpStep(app.db, user.id, 102)]);
    expect([a, b].sort()).toEqual([false, true]);
  });
});
