import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDataScale, type DataScale } from '../../bench/lib/datascale-seed.js';
import { poolCache, type BenchContext } from '../../bench/lib/context.js';
import { freshDataDir, openBenchDb, removeDataDirs } from '../../bench/lib/server.js';
import { datascale } from '../../bench/scenarios/datascale.js';

/**
 * The datascale bench at a small scale: the generator makes the same firm from the same seed,
 * shaped like the full one and valid for the schema and its triggers (foreign keys, one open
 * round per finding waiting for a verdict, histories that end in the finding's status…); and the
 * scenario's every call answers against the production build (npm test builds it).
 */

const SCALE = 0.01;
const NOW = Date.UTC(2027, 0, 15, 12);
const pools = poolCache(120_000);
const ctx: BenchContext = { quick: true, cpuProf: false, log: () => {}, maxLifeMs: 120_000, pool: pools.pool };
afterAll(async () => {
  await pools.stop();
  removeDataDirs();
});

async function generate(): Promise<{ data: DataScale; digest: Record<string, string>; checks: Record<string, number> }> {
  const dir = freshDataDir();
  const { sqlite, close } = await openBenchDb(dir);
  const data = await generateDataScale(sqlite, { scale: SCALE, now: NOW, uploadsDir: path.join(dir, 'uploads'), sessionsPerUser: 2 });
  const digest: Record<string, string> = {};
  for (const t of Object.keys(data.rows).filter((t) => t !== 'sessions')) {
    const h = createHash('sha256');
    for (const row of sqlite.prepare(`select * from ${t} order by rowid`).raw().iterate()) h.update(JSON.stringify(row));
    digest[t] = h.digest('hex');
  }
  const count = (q: string, ...args: unknown[]) =>
    Number(
      sqlite
        .prepare(q)
        .pluck()
        .get(...args),
    );
  const checks = {
    foreignKeyViolations: (sqlite.pragma('foreign_key_check') as unknown[]).length,
    pendingWithoutOpenRound: count(
      "select count(*) from findings f where status = 'pending_verification' and not exists (select 1 from remediation_rounds r where r.finding_id = f.id and r.verdict is null)",
    ),
    openRoundsElsewhere: count(
      "select count(*) from remediation_rounds r join findings f on f.id = r.finding_id where r.verdict is null and f.status != 'pending_verification'",
    ),
    roundsOnDrafts: count('select count(*) from remediation_rounds r join findings f on f.id = r.finding_id where f.published = 0'),
    historyNotEndingInStatus: count(
      'select count(*) from findings f where published = 1 and status is not (select to_status from finding_status_history h where h.finding_id = f.id order by at desc, id desc limit 1)',
    ),
    pausedMismatch: count("select count(*) from findings where (status = 'pending_verification') != (due_paused_at is not null)"),
    bigProjectFindings: count('select count(*) from findings where project_id = ? and client_id = ?', data.ids.bigProject, data.ids.busyClient),
    bigFindingComments: count('select count(*) from comments where finding_id = ?', data.ids.bigFinding),
    analystNotifications: count('select count(*) from notifications where user_id = ?', data.ids.analyst),
    busyManager: count(
      "select count(*) from users where id = ? and client_id = ? and role = 'manager' and status = 'active'",
      data.ids.manager,
      data.ids.busyClient,
    ),
    eventsAboveFloor: count('select count(*) from client_events where position > (select event_floor from firm)'),
    waiting: count("select count(*) from findings where status = 'pending_verification'"),
    openRetests: count("select count(*) from retest_requests where status != 'done'"),
  };
  await close();
  return { data, digest, checks };
}

describe('datascale generator', () => {
  it('makes the same firm from the same seed, shaped like the full one and valid for the schema', async () => {
    const a = await generate();
    const b = await generate();
    expect(b.digest).toEqual(a.digest);
    expect(a.data.rows).toMatchObject({ firm: 1, clients: 3, findings: 1000, comments: 10_000, chat_messages: 3200 + 1000, audit_events: 50_000, sessions: 6 });
    expect(a.checks).toMatchObject({
      foreignKeyViolations: 0,
      pendingWithoutOpenRound: 0,
      openRoundsElsewhere: 0,
      roundsOnDrafts: 0,
      historyNotEndingInStatus: 0,
      pausedMismatch: 0,
      bigProjectFindings: 100,
      bigFindingComments: 100,
      analystNotifications: 200,
      busyManager: 1,
    });
    expect(a.checks.eventsAboveFloor).toBe(a.data.rows.client_events);
    expect(a.checks.waiting).toBeGreaterThan(0);
    for (const t of ['finding_status_history', 'remediation_rounds', 'retest_requests', 'evidence', 'reports', 'finding_followers', 'chat_reads'])
      expect(a.data.rows[t], t).toBeGreaterThan(0);
  });
});

describe('datascale scenario', () => {
  it('measures every call of the pages, each answering, against the production server', async () => {
    const r = await datascale(ctx, { scale: SCALE, serial: 2, warmup: 0, concurrency: 2, concurrentMs: 100, catchupEvents: 1000 });
    expect(r.calls.length).toBeGreaterThanOrEqual(30);
    for (const c of r.calls) {
      expect(c.errors, `${c.name} as ${c.role}`).toEqual([]);
      expect(c.bytes, c.name).toBeGreaterThan(0);
      expect(c.p99_ms).toBeGreaterThanOrEqual(c.p50_ms);
      // The server's own time of each request, from its log line: an HTTP request's by its id.
      expect(c.server_p50_ms, c.name).toBeGreaterThanOrEqual(0);
      expect(c.server_max_ms!).toBeGreaterThanOrEqual(c.server_p99_ms!);
      expect(c.server_p99_ms!).toBeGreaterThanOrEqual(c.server_p50_ms!);
    }
    const catchups = r.calls.filter((c) => c.name === 'feed:subscribe');
    // A catch-up's parts are matched to it in order: each part's time (arrival to answer) lies within
    // the round trip, so the sum does, and each percentile with it (an HTTP line's 'finish' may come
    // a moment after the client has the answer, so this holds for socket requests only).
    for (const c of catchups) {
      expect(c.server_p50_ms!).toBeLessThanOrEqual(c.p50_ms);
      expect(c.server_p99_ms!).toBeLessThanOrEqual(c.p99_ms);
    }
    expect(catchups.map((c) => Number(c.note?.split(' ')[0]))).toEqual([1001, 1001]);
    expect(r.not_built).toHaveLength(1);
    expect(r.worst_p99_ms).toBe(Math.max(...r.calls.map((c) => c.p99_ms)));
    expect(r.worst_server_p99_ms).toBe(Math.max(...r.calls.map((c) => c.server_p99_ms!)));
  });
});
