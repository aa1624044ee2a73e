import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import path from 'node:path';
import { withCleanup, type BenchContext } from '../lib/context.js';
import { generateDataScale, type DataScale } from '../lib/datascale-seed.js';
import { browserFigures, browserPages, type BrowserFigures } from '../lib/datascale/browser.js';
import { FeedClient } from '../lib/feed-client.js';
import { httpGet, measure, type Measured, type Once } from '../lib/measure.js';
import { moveIntoPostgres } from '../lib/postgres.js';
import { writeAuditCheckpoint } from '../../server/audit/checkpoints.js';
import { loadConfig } from '../../server/config.js';
import { freePort, freshDataDir, openBenchDb, startServer } from '../lib/server.js';

export interface DatascaleOptions {
  /** Size of the firm (1.0: 300 clients, 100,000 findings, 1M comments, 5M audit rows…). */
  scale: number;
  serial: number;
  warmup: number;
  concurrency: number;
  concurrentMs: number;
  /** Events a catch-up answer carries (feed:subscribe with `since` that far back). */
  catchupEvents: number;
  /** Chromium loads of each heavy page (cold, warm and in-app each time); 0 or absent: no browser figures. */
  browserReps?: number;
}

/** One measured call: the endpoint key of server/contracts/endpoints.ts (or the socket request), who asked, for which page. */
export interface DatascaleCall extends Measured {
  name: string;
  role: 'analyst' | 'admin' | 'manager';
  page: string;
  path: string;
}

export interface DatascaleResult {
  /** Where the server read the firm: SQLite, or (bench `--postgres`) PostgreSQL after the move. */
  database: 'sqlite' | 'postgres';
  scale: number;
  generate_s: number;
  /** Seconds per part of the generation. */
  generate_phases_s: Record<string, number>;
  db_mb: number;
  /** PostgreSQL: seconds `npm run move-to-postgres` took to copy the firm, then `VACUUM (ANALYZE)`'s. */
  move_s?: number;
  vacuum_s?: number;
  rows: Record<string, number>;
  calls: DatascaleCall[];
  /** The worst serial p99 as the bench saw it (round trip). */
  worst_p99_ms: number | null;
  /** The worst serial p99 of the server's own time (the issue's figure: arrival to answer, from its log). */
  worst_server_p99_ms: number | null;
  not_built: string[];
  /** Issue 19 point 3: the portal's initial JavaScript and the heavy pages' time to content in Chromium. */
  browser: BrowserFigures;
}

/**
 * datascale: what the pages cost for a firm five years in. Generates the firm into a fresh data
 * folder (bench/lib/datascale-seed.ts), starts the production server on it and measures every
 * API call the pages make, as the person who uses each page: serial requests (p50/p99, server
 * CPU per request, answer size), then concurrent clients (p50/p99 under load, requests/s).
 * Then, in Chromium, the portal's initial JavaScript and how soon the heavy pages show their
 * content (bench/lib/datascale/browser.ts).
 *
 * On PostgreSQL (`ctx.postgres`): the same firm, generated in SQLite as above, is moved into a fresh
 * database with the project's own move command, and the same calls are measured on it, CPU being
 * the server's and PostgreSQL's together. The bench asks no browser figures there: the pages are
 * the same, only the API answers' cost differs.
 */
export async function datascale(ctx: BenchContext, o: DatascaleOptions): Promise<DatascaleResult> {
  return withCleanup(async (defer) => {
    const dataDir = freshDataDir();
    const open = await openBenchDb(dataDir);
    ctx.log(`datascale: generating the firm at scale ${o.scale}`);
    const data = await generateDataScale(open.sqlite, { scale: o.scale, uploadsDir: path.join(dataDir, 'uploads'), sessionsPerUser: o.concurrency + 1 });
    const cursors = catchupCursors(open.sqlite, data, o.catchupEvents);
    // A firm on this version has its audit trail checkpointed every hour; without one, the server's
    // first round would count the whole chain from genesis during the measurements (a firm meets
    // that once, after the upgrade that brought checkpoints: README, "On PostgreSQL").
    const checkpointed = performance.now();
    await writeAuditCheckpoint({ db: open.db, config: loadConfig({ DATA_DIR: dataDir }) }, Date.now());
    data.phases['audit checkpoint'] = Math.round((performance.now() - checkpointed) / 100) / 10;
    await open.close();
    const file = path.join(dataDir, 'debrief.sqlite');
    const dbBytes = statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    ctx.log(`datascale: generated in ${data.seconds} s (${JSON.stringify(data.phases)}), ${(dbBytes / 2 ** 20).toFixed(0)} MiB: ${JSON.stringify(data.rows)}`);

    const pg = ctx.postgres;
    const moved = pg ? await moveIntoPostgres(pg, dataDir, ctx.maxLifeMs) : null;
    if (moved) ctx.log(`datascale: moved into PostgreSQL in ${moved.move_s} s, VACUUM (ANALYZE) ${moved.vacuum_s} s`);
    const server = await startServer({
      dataDir,
      port: await freePort(),
      env: moved ? { ...ctx.serverEnv, DATABASE_URL: moved.url } : ctx.serverEnv,
      cpuProf: ctx.cpuProf,
      maxLifeMs: ctx.maxLifeMs,
      serverTimes: true,
    });
    defer(() => server.stop());
    const { ids, cookies } = data;
    const get = (p: string, role: DatascaleCall['role']) => httpGet(server.url, p, cookies[role]);
    const feed = (role: 'analyst' | 'manager', since: (k: number) => number): Once => {
      // One socket per concurrent client (the serial run uses the first); at most `concurrency` per person.
      const sockets: Promise<FeedClient>[] = [];
      defer(async () => {
        for (const s of sockets) (await s.catch(() => null))?.close();
      });
      let k = 0;
      return async (w) => {
        const i = Math.max(0, w - 1);
        const socket = await (sockets[i] ??= FeedClient.connect(server.url, cookies[role][i]!));
        const r = await socket.subscribe(since(k++));
        return { bytes: r.bytes, ms: r.ms, answers: r.parts, note: `${r.events} events in ${r.parts} parts (bytes: the largest part)` };
      };
    };
    const plan: [DatascaleCall['name'], DatascaleCall['role'], string, string, Once?][] = [
      ...pageCalls(ids).map(([name, role, page, p]) => [name, role, page, p] as [DatascaleCall['name'], DatascaleCall['role'], string, string]),
      [
        'feed:subscribe',
        'analyst',
        `catch-up of ${o.catchupEvents} events (staff, all clients)`,
        `since = newest − ${o.catchupEvents}…`,
        feed('analyst', cursors.staff),
      ],
      [
        'feed:subscribe',
        'manager',
        `catch-up of ${o.catchupEvents} events (portal, busy client)`,
        `since = ${o.catchupEvents}th newest of the client…`,
        feed('manager', cursors.portal),
      ],
    ];
    // On PostgreSQL much of a call's work is done by the database's backends: their CPU counts too.
    const pgCpuMs = pg?.cpu ? () => pg.cpu!() * 1000 : undefined;
    const calls: DatascaleCall[] = [];
    for (const [name, role, page, p, once] of plan) {
      const m = await measure(once ?? get(p, role), {
        serial: o.serial,
        warmup: o.warmup,
        concurrency: o.concurrency,
        concurrentMs: o.concurrentMs,
        pid: server.pid,
        alsoCpuMs: pgCpuMs,
        serverTimes: server.times,
      });
      ctx.log(
        `datascale: ${name} (${role}, ${page}): p50 ${m.p50_ms} / p99 ${m.p99_ms} / max ${m.max_ms} ms (in the server: ${m.server_p50_ms} / ${m.server_p99_ms} / ${m.server_max_ms}), ${m.cpu_ms} ms CPU, ${m.bytes} B${m.errors.length ? `, ERRORS ${m.errors.join('; ')}` : ''}`,
      );
      calls.push({ name, role, page, path: p, ...m });
    }
    const measured = calls.filter((c) => Number.isFinite(c.p99_ms));
    // A browser failure (a page changed its markup, Chromium crashed) must not lose the API figures above.
    const browser: BrowserFigures = o.browserReps
      ? await browserFigures(
          { url: server.url, cookies: { analyst: cookies.analyst[0]!, manager: cookies.manager[0]! }, pages: browserPages(ids), reps: o.browserReps },
          ctx.log,
        ).catch((err: Error) => {
          ctx.log(`datascale: the browser figures failed: ${err.stack ?? err}`);
          return { skipped: `browser figures failed: ${err.message}` };
        })
      : { skipped: 'not asked for (browserReps 0)' };
    return {
      database: moved ? 'postgres' : 'sqlite',
      scale: o.scale,
      generate_s: data.seconds,
      generate_phases_s: data.phases,
      db_mb: Math.round(dbBytes / 2 ** 20),
      ...(moved ? { move_s: moved.move_s, vacuum_s: moved.vacuum_s } : {}),
      rows: data.rows,
      calls,
      worst_p99_ms: measured.length ? Math.max(...measured.map((c) => c.p99_ms)) : null,
      worst_server_p99_ms: measured.some((c) => c.server_p99_ms !== null) ? Math.max(...measured.map((c) => c.server_p99_ms ?? -Infinity)) : null,
      not_built: ['audit search (the staff audit-log search over 5,000,000 rows): not built yet, another issue adds it'],
      browser,
    };
  });
}

/**
 * `since` for the k-th catch-up: about `events` back (plus k mod 100, so consecutive requests
 * never share the server's one-second shared answer and each is computed). Staff read every
 * client's events; a portal user only their client's shared ones.
 */
function catchupCursors(sqlite: Database.Database, data: DataScale, events: number) {
  const newest = Number(sqlite.prepare('select max(position) from client_events').pluck().get());
  const own = sqlite
    .prepare("select position from client_events where client_id = ? and audience = 'all' order by position")
    .pluck()
    .all(data.ids.busyClient) as number[];
  if (newest - events - 100 < data.ids.eventFloor || own.length < events + 101)
    throw new Error(`the event log is too short for a catch-up of ${events} events`);
  return {
    staff: (k: number) => newest - events - (k % 100),
    portal: (k: number) => own[own.length - events - 1 - (k % 100)]!,
  };
}

/** Every API call the pages make, as the person who uses each page (the catch-up is measured apart, over Socket.IO). */
export function pageCalls(ids: DataScale['ids']): [name: string, role: DatascaleCall['role'], page: string, path: string][] {
  const F = ids.bigFinding;
  return [
    ['GET /session', 'manager', 'every page (layout): portal', '/session'],
    ['GET /portal/dashboard', 'manager', 'portal dashboard', '/portal/dashboard'],
    ['GET /remediation/summary', 'manager', 'portal dashboard', '/remediation/summary'],
    ['GET /portal/projects', 'manager', 'portal projects list', '/portal/projects'],
    ['GET /portal/projects/:projectId', 'manager', 'portal project page (the big project)', `/portal/projects/${ids.bigProject}`],
    [
      'GET /portal/projects/:projectId/findings',
      'manager',
      'portal project page: first page of its 2,000 findings',
      `/portal/projects/${ids.bigProject}/findings`,
    ],
    [
      'GET /portal/projects/:projectId/findings',
      'manager',
      'portal project page: sorted by title, filtered to high',
      `/portal/projects/${ids.bigProject}/findings?sort=title&dir=desc&severity=high`,
    ],
    [
      'GET /portal/projects/:projectId/findings',
      'manager',
      'portal project page: sorted by status',
      `/portal/projects/${ids.bigProject}/findings?sort=status&dir=asc`,
    ],
    ['GET /portal/findings/:findingId', 'manager', 'portal finding page (500-comment finding)', `/portal/findings/${F}`],
    ['GET /findings/:id/comments', 'manager', 'portal finding page (500-comment finding)', `/findings/${F}/comments`],
    ['GET /findings/:id/remediation', 'manager', 'portal finding page (500-comment finding)', `/findings/${F}/remediation`],
    ['GET /chat/:clientId/messages', 'manager', 'portal chat, first page (busy channel)', `/chat/${ids.busyClient}/messages`],
    ['GET /retests', 'manager', 'portal retests', '/retests'],
    ['GET /session', 'analyst', 'every page (layout): staff', '/session'],
    ['GET /remediation/summary', 'analyst', 'staff home', '/remediation/summary'],
    ['GET /projects', 'analyst', 'staff projects list', '/projects'],
    ['GET /projects/:id', 'analyst', 'staff project page (the big project)', `/projects/${ids.bigProject}`],
    ['GET /projects/:id/findings', 'analyst', 'staff project page: its 2,000 findings', `/projects/${ids.bigProject}/findings`],
    ['GET /projects/team-options', 'analyst', 'staff project page', '/projects/team-options'],
    ['GET /findings/:id', 'analyst', 'staff finding page (500-comment finding)', `/findings/${F}`],
    ['GET /findings/:id/comments', 'analyst', 'staff finding page (500-comment finding)', `/findings/${F}/comments`],
    ['GET /findings/:id/evidence', 'analyst', 'staff finding page, evidence', `/findings/${F}/evidence`],
    ['GET /findings/:id/remediation', 'analyst', 'staff finding page (500-comment finding)', `/findings/${F}/remediation`],
    ['GET /chat/channels', 'analyst', 'staff chat, channel list', '/chat/channels'],
    ['GET /chat/:clientId/messages', 'analyst', 'staff chat, busy channel first page', `/chat/${ids.busyClient}/messages`],
    [
      'GET /chat/:clientId/messages',
      'analyst',
      'staff chat, busy channel deep page (`before` 95% back)',
      `/chat/${ids.busyClient}/messages?before=${ids.busyChatDeep}`,
    ],
    ['GET /notifications', 'analyst', 'notifications page (20,000 of them)', '/notifications?limit=20'],
    ['GET /notifications/unread-count', 'analyst', 'notification bell', '/notifications/unread-count'],
    ['GET /clients', 'admin', 'staff clients list', '/clients'],
    ['GET /remediation/queue', 'analyst', 'verification page', '/remediation/queue'],
    ['GET /retests', 'analyst', 'verification page', '/retests'],
  ];
}
