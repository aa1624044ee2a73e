import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { refuseInserts } from '../support/db-faults.js';
import { Agent } from '../support/http.js';
import { READINESS_TTL_MS } from '../../server/readiness.js';

/**
 * `/readyz` (issue 16, point 8): 200 while this instance can take writes; otherwise 503 naming
 * the failing checks, with no path or number. `/healthz` means alive only and stays 200. Runs on
 * SQLite and (TEST_DATABASE=postgres) PostgreSQL. The full-disk case is tests/integration/full-disk.test.ts.
 */
let app: TestApp;
let agent: Agent;
beforeAll(async () => {
  app = await startTestApp();
  agent = new Agent(app.url);
});
afterAll(() => app.close());

/** Wait out the cached round, so the next /readyz checks again. */
const nextRound = () => new Promise((r) => setTimeout(r, READINESS_TTL_MS + 100));
const probedAt = async () => (await app.db.selectFrom('readiness_probe').select('probed_at').executeTakeFirst())?.probed_at;

describe('/readyz', () => {
  it('answers 200 when the database takes a write, the disk has room and migrations are current; the write is tried at most every 2 s', async () => {
    await nextRound();
    const res = await agent.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const first = await probedAt();
    expect(first).toBeGreaterThan(Date.now() - 10_000);
    for (let i = 0; i < 5; i++) expect((await agent.get('/readyz')).status).toBe(200);
    expect(await probedAt()).toBe(first); // cached: no second write within 2 s
    await nextRound();
    await agent.get('/readyz');
    expect(await probedAt()).toBeGreaterThan(first!);
  });

  it('answers 503 naming `migrations` while one of this build is pending, and 200 once it is applied', async () => {
    const last = await app.db
      .selectFrom('kysely_migration' as never)
      .selectAll()
      .orderBy('name' as never, 'desc')
      .executeTakeFirstOrThrow();
    await sql`delete from kysely_migration where name = ${(last as { name: string }).name}`.execute(app.db);
    try {
      await nextRound();
      const res = await agent.get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'unavailable', failing: ['migrations'] });
      expect((await agent.get('/healthz')).status).toBe(200);
    } finally {
      await app.db
        .insertInto('kysely_migration' as never)
        .values(last as never)
        .execute();
    }
    await nextRound();
    expect((await agent.get('/readyz')).status).toBe(200);
  });

  it('answers 503 naming `database` when the one-row write fails (the cause is logged, not answered), and 200 once it works again', async () => {
    const restore = await refuseInserts(app.db, 'readiness_probe', 'disk I/O error');
    try {
      await nextRound();
      const res = await agent.get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'unavailable', failing: ['database'] });
      expect(res.text).not.toMatch(/I\/O|readiness_probe/);
      expect((await agent.get('/healthz')).status).toBe(200);
      expect(app.logs.some((l) => l.msg === 'readiness check failed' && l.check === 'database' && JSON.stringify(l.err).includes('disk I/O error'))).toBe(true);
    } finally {
      await restore();
    }
    await nextRound();
    expect((await agent.get('/readyz')).status).toBe(200);
  });
});

describe('/readyz below MIN_FREE_DISK_MB', () => {
  let full: TestApp;
  beforeAll(async () => void (full = await startTestApp({ MIN_FREE_DISK_MB: '10000000' })));
  afterAll(() => full.close());

  it('answers 503 naming `disk` (no path, no number); /healthz stays 200', async () => {
    const res = await fetch(`${full.url}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: 'unavailable', failing: ['disk'] });
    expect(text).not.toMatch(/\d|\//);
    expect((await fetch(`${full.url}/healthz`)).status).toBe(200);
  });
});
