import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTestDatabase, startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';

/**
 * PostgreSQL runs a query over a large table with parallel workers (at a firm's real size the
 * planner chooses them on its own). The access rules' SQL calls `json_valid` and `json_type`,
 * whose PL/pgSQL bodies catch errors — a subtransaction, which a parallel query may not start:
 * marked parallel safe, every portal page that reads the client's switches failed with a 500
 * ("cannot start subtransactions during a parallel operation") once the data was large enough.
 * Here the database makes every query it can parallel (debug_parallel_query, PostgreSQL 15's
 * force_parallel_mode), so the small data of a test takes the same path. Runs on PostgreSQL in
 * both suites (a throwaway cluster in the SQLite run).
 */

let database: Awaited<ReturnType<typeof pgTestDatabase>>;
let app: TestApp;
beforeAll(async () => {
  database = await pgTestDatabase();
  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  try {
    const name = (await c.query<{ d: string }>('select current_database() as d')).rows[0]!.d;
    const { rows } = await c.query<{ name: string }>("select name from pg_settings where name in ('debug_parallel_query', 'force_parallel_mode')");
    await c.query(`alter database "${name}" set ${rows[0]!.name} = on`);
    for (const cost of ['parallel_setup_cost', 'parallel_tuple_cost', 'min_parallel_table_scan_size', 'min_parallel_index_scan_size'])
      await c.query(`alter database "${name}" set ${cost} = 0`);
  } finally {
    await c.end();
  }
  app = await startTestApp({ DATABASE_URL: database.url });
}, 60_000);
afterAll(async () => {
  await app?.close();
  database?.stop();
});

describe('parallel queries on PostgreSQL', () => {
  it('the portal pages that read the client’s switches answer', async () => {
    const client = await buildClient(app.db);
    const manager = await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'manager' }));
    await buildFinding(app.db, { client_id: client.id, published: true });
    for (const path of ['/api/portal/dashboard', '/api/portal/projects', '/api/remediation/summary', '/api/portal/reports', '/api/portal/activity']) {
      const res = await manager.get(path);
      expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(200);
    }
    const staff = await signIn(app, await buildStaff(app.db));
    expect((await staff.get('/api/remediation/summary')).status).toBe(200);
    expect(app.logs.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });
});
