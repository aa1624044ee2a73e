import path from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataScale, type DataScale } from '../../bench/lib/datascale-seed.js';
import { openBenchDb } from '../../bench/lib/server.js';
import { pageCalls } from '../../bench/scenarios/datascale.js';
import { pgTestDatabase, startTestApp, tempDir, type TestApp } from '../support/app.js';
import { runScript } from '../support/scripts.js';
import { sweepExpiredSessions } from '../../server/auth/revoke.js';

/**
 * Every query a page makes reads a large table through an index (issue 19, point 2): the bench's
 * five-year firm, generated small, serves each page's API calls as the person who uses it, and each
 * statement the server ran is explained (`EXPLAIN QUERY PLAN`, with its own parameters). A plan that
 * scans one of the tables that grow with the years, row by row, fails here long before a firm notices.
 * The same firm, moved into PostgreSQL (`npm run move-to-postgres`), is checked there too: each
 * statement explained with its parameters and sequential scans disabled, so that a large table
 * still read row by row has no index the query can use.
 */

/** The tables that grow with a firm's years (small ones — the firm, its clients — may be scanned). */
const LARGE = new Set([
  'findings',
  'finding_status_history',
  'comments',
  'finding_followers',
  'chat_messages',
  'notifications',
  'audit_events',
  'client_events',
  'remediation_rounds',
  'retest_request_findings',
  'evidence',
  'reports',
  'projects',
  'sessions',
]);

let app: TestApp;
let data: DataScale;
let dir = '';
/** Statements the server ran while one call was answered, each with the values it was given. */
let ran: { source: string; args: unknown[] }[] = [];

beforeAll(async () => {
  dir = tempDir('debrief-plans-');
  const open = await openBenchDb(dir);
  data = await generateDataScale(open.sqlite, { scale: 0.01, uploadsDir: path.join(dir, 'uploads'), sessionsPerUser: 1 });
  await open.close();
  // SQLite's plans, in either run (`DATABASE_URL: ''`): PostgreSQL's EXPLAIN counterpart is still to come (issue 13).
  app = await startTestApp({ DATA_DIR: dir, DATABASE_URL: '' });
  // Watch the server's own handle: every statement it prepares, and the values each run gets.
  const prepare = app.sqlite.prepare.bind(app.sqlite);
  app.sqlite.prepare = ((source: string) => {
    const stmt = prepare(source);
    return new Proxy(stmt, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (key === 'all' || key === 'get' || key === 'run' || key === 'iterate')
          return (...args: unknown[]) => {
            ran.push({ source, args });
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  }) as typeof app.sqlite.prepare;
}, 120_000);
afterAll(() => app?.close());

/** The `SCAN` steps of a statement's plan over a large table (a pass over all its rows, through an index or not). */
function fullScans(sqlite: Database.Database, source: string, args: unknown[]): string[] {
  if (!/^\s*(select|with)\b/i.test(source)) return [];
  // Aliases the query gives its tables: `"findings" as "f"`.
  const tableOf = new Map<string, string>();
  for (const m of source.matchAll(/"(\w+)"(?:\s+as\s+"(\w+)")?/gi)) if (m[2]) tableOf.set(m[2], m[1]!);
  const plan = sqlite.prepare(`explain query plan ${source}`).all(...(args as never[])) as { detail: string }[];
  // SCAN reads every row (through an index or not); SEARCH looks rows up. A large table is only ever searched.
  return plan
    .map((row) => row.detail)
    .filter((d) => {
      const scanned = /^SCAN (\w+)/.exec(d)?.[1];
      return scanned !== undefined && LARGE.has(tableOf.get(scanned) ?? scanned);
    });
}

describe('the query plans of every page (SQLite)', () => {
  it('the watch sees statements and the check sees a scan (a query without an index would be caught)', () => {
    expect(fullScans(app.sqlite, 'select * from "comments" where "body" like ?', ['%x%'])).toEqual(['SCAN comments']);
    expect(fullScans(app.sqlite, 'select * from "comments" as "c" where "c"."finding_id" = ?', ['x'])).toEqual([]);
    // A pass over a whole index is a scan too (the old chat channel list grouped every message so).
    expect(fullScans(app.sqlite, 'select "client_id", max("id") from "chat_messages" as "m" group by "client_id"', [])).toEqual([
      'SCAN m USING COVERING INDEX chat_messages_channel',
    ]);
  });

  it('the session sweep (every second, no page) reads only the sessions due, through an index', async () => {
    ran = [];
    await sweepExpiredSessions(app.deps, app.clock());
    const reads = ran.filter((r) => /from "sessions"/.test(r.source));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.flatMap((r) => fullScans(app.sqlite, r.source, r.args))).toEqual([]);
  });

  for (const [name, role, page, urlPath] of pageCalls({} as DataScale['ids']).map((c) => c)) {
    it(`${name} as ${role} (${page})`, async () => {
      const call = pageCalls(data.ids).find((c) => c[0] === name && c[1] === role && c[2] === page)!;
      ran = [];
      const res = await fetch(`${app.url}/api${call[3]}`, { headers: { cookie: data.cookies[role][0]!, origin: app.url } });
      expect(res.status, `${urlPath}: ${await res.clone().text()}`).toBe(200);
      await res.arrayBuffer();
      expect(ran.length).toBeGreaterThan(0);
      const scans = ran.flatMap((r) => fullScans(app.sqlite, r.source, r.args).map((d) => `${d}  ←  ${r.source.slice(0, 160)}`));
      expect(scans).toEqual([]);
    });
  }
});

/** The sequential scans of large tables in a PostgreSQL plan (EXPLAIN's JSON), as "Seq Scan on <table>". */
function seqScans(node: Record<string, unknown>): string[] {
  const own = node['Node Type'] === 'Seq Scan' && LARGE.has(String(node['Relation Name'])) ? [`Seq Scan on ${String(node['Relation Name'])}`] : [];
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [...own, ...children.flatMap(seqScans)];
}

describe('the query plans of every page (PostgreSQL)', () => {
  let pgApp: TestApp;
  let stop = () => {};
  let explainer: pg.Client;
  /** Statements the server sent to PostgreSQL while one call was answered, with their values. */
  let sent: { text: string; values: unknown[] }[] = [];
  const realQuery = pg.Client.prototype.query;

  beforeAll(async () => {
    const target = await pgTestDatabase();
    stop = target.stop;
    const moved = runScript('move-to-postgres', { DATA_DIR: dir, DATABASE_URL: target.url });
    if (moved.status !== 0) throw new Error(`the move failed: ${moved.stderr}`);
    explainer = new pg.Client({ connectionString: target.url });
    await explainer.connect();
    await explainer.query('set enable_seqscan = off');
    pgApp = await startTestApp({ DATA_DIR: dir, DATABASE_URL: target.url, DATABASE_POOL_SIZE: '2' });
    // Watch every client of the process (the app's pool): what it sends, with its values.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if (this !== explainer && typeof args[0] === 'string' && Array.isArray(args[1])) sent.push({ text: args[0], values: args[1] });
      return (realQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof realQuery;
  }, 180_000);
  afterAll(async () => {
    pg.Client.prototype.query = realQuery;
    await pgApp?.close();
    await explainer?.end();
    stop();
  });

  async function scansOf(text: string, values: unknown[]): Promise<string[]> {
    if (!/^\s*(select|with)\b/i.test(text)) return [];
    const { rows } = await explainer.query(`explain (format json) ${text}`, values);
    return seqScans((rows[0]['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan);
  }

  it('the check sees a table without a usable index (a query without one would be caught)', async () => {
    expect(await scansOf('select * from "comments" where "body" like $1', ['%x%'])).toEqual(['Seq Scan on comments']);
    expect(await scansOf('select * from "comments" as "c" where "c"."finding_id" = $1', ['x'])).toEqual([]);
  });

  it('the session sweep (every second, no page) reads only the sessions due, through an index', async () => {
    sent = [];
    await sweepExpiredSessions(pgApp.deps, pgApp.clock());
    const reads = sent.splice(0).filter((r) => /from "sessions"/.test(r.text));
    expect(reads.length).toBeGreaterThan(0);
    const scans: string[] = [];
    for (const r of reads) scans.push(...(await scansOf(r.text, r.values)));
    expect(scans).toEqual([]);
  });

  for (const [name, role, page] of pageCalls({} as DataScale['ids'])) {
    it(`${name} as ${role} (${page})`, async () => {
      const call = pageCalls(data.ids).find((c) => c[0] === name && c[1] === role && c[2] === page)!;
      sent = [];
      const res = await fetch(`${pgApp.url}/api${call[3]}`, { headers: { cookie: data.cookies[role][0]!, origin: pgApp.url } });
      expect(res.status, `${call[3]}: ${await res.clone().text()}`).toBe(200);
      await res.arrayBuffer();
      const statements = sent.splice(0);
      expect(statements.length).toBeGreaterThan(0);
      const scans: string[] = [];
      for (const r of statements) for (const d of await scansOf(r.text, r.values)) scans.push(`${d}  ←  ${r.text.slice(0, 160)}`);
      expect(scans).toEqual([]);
    });
  }
});
