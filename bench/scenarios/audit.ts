import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { withCleanup, type BenchContext } from '../lib/context.js';
import { generateAuditFirm, AUDIT_FULL } from '../lib/audit-seed.js';
import { httpGet, measure, type Measured } from '../lib/measure.js';
import { freePort, freshDataDir, openBenchDb, ROOT, startServer } from '../lib/server.js';
import { pageOf } from '../../server/services/cursor.js';
import { positionOf } from '../../server/queries/audit/position.js';
import { writeAuditCheckpoint } from '../../server/audit/checkpoints.js';
import { writeAudits } from '../../server/audit.js';
import { insertAuditEvents } from '../../server/repositories/audit-events.js';
import { loadConfig } from '../../server/config.js';

export interface AuditBenchOptions {
  rows: number;
  serial: number;
  warmup: number;
  /** Rows written in each chaining-cost transaction, and transactions per measurement. */
  chainBatch: number;
  chainBatches: number;
}

/** One measured page: which filters, first or deep page, its figures. */
interface AuditPageCall extends Measured {
  filters: string;
  page: 'first' | 'deep' | 'search';
  /** Rows the filters match (the deep page starts 90% of the way back). */
  matches: number;
  path: string;
}

export interface AuditBenchResult {
  rows: number;
  generate_s: number;
  db_mb: number;
  pages: AuditPageCall[];
  worst_page_p99_ms: number | null;
  worst_search_p99_ms: number | null;
  export: {
    format: string;
    rows: number;
    mb: number;
    seconds: number;
    rows_per_s: number;
    rss_before_mb: number;
    rss_peak_mb: number;
    rss_growth_mb: number;
    verify_file_s: number;
    verify_file_exit: number | null;
  };
  verify: { seconds: number; exit: number | null; out: string };
  chain: { rows: number; chained_rows_per_s: number; plain_rows_per_s: number; cost_us_per_row: number };
}

type Filter = 'client' | 'person' | 'action' | 'outcome' | 'dates';
const FILTERS: Filter[] = ['client', 'person', 'action', 'outcome', 'dates'];

/**
 * audit: the Audit page at a firm's size (issue 15). Generates 50 clients, 2,000 people and a
 * year of chained audit rows (bench/lib/audit-seed.ts), signs a checkpoint, starts the production
 * server and measures, as an admin, the first and a deep page (90% back) of every combination of
 * the page's five filters (32), free-text searches, a full JSON Lines export (rate, and the
 * server's RSS growth while it streams), `npm run audit:verify` over the database while the
 * server runs and over the export, and what chaining costs the writer (chained `writeAudit`
 * against the same rows inserted unchained, in group-commit-sized transactions).
 */
export async function auditBench(ctx: BenchContext, o: AuditBenchOptions): Promise<AuditBenchResult> {
  return withCleanup(async (defer) => {
    const dataDir = freshDataDir();
    const open = await openBenchDb(dataDir);
    ctx.log(
      `audit: generating ${o.rows} rows (${AUDIT_FULL.clients} clients, ${AUDIT_FULL.clients * AUDIT_FULL.perClient + AUDIT_FULL.admins + AUDIT_FULL.analysts} people, one year)`,
    );
    const firm = await generateAuditFirm(open.sqlite, { rows: o.rows, sessionsPerUser: 2 });
    const config = loadConfig({ DATA_DIR: dataDir });
    await writeAuditCheckpoint({ db: open.db, config }, Date.now());
    const file = path.join(dataDir, 'debrief.sqlite');
    const dbMb = Math.round((statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 2 ** 20);
    ctx.log(`audit: generated ${firm.rows} rows in ${firm.seconds} s, ${dbMb} MiB`);

    // The filter values, and each combination's size and deep cursor, read directly.
    const now = Date.now();
    const value: Record<Filter, [string, string]> = {
      client: ['clientId', firm.ids.client],
      person: ['actorId', firm.ids.person],
      action: ['action', 'auth.'],
      outcome: ['outcome', 'failure'],
      dates: ['from', new Date(now - 120 * 86_400_000).toISOString().slice(0, 10)],
    };
    const to = new Date(now - 90 * 86_400_000).toISOString().slice(0, 10);
    const sqlOf: Record<Filter, [string, unknown[]]> = {
      client: ['client_id = ?', [firm.ids.client]],
      person: ['actor_id = ?', [firm.ids.person]],
      action: ["action like 'auth.%'", []],
      outcome: ["outcome = 'failure'", []],
      dates: ['at >= ? and at < ?', [Date.parse(`${value.dates[1]}T00:00:00Z`), Date.parse(`${to}T00:00:00Z`) + 86_400_000]],
    };
    const combos = Array.from({ length: 2 ** FILTERS.length }, (_, m) => FILTERS.filter((_, i) => m & (1 << i)));
    const plan = combos.map((set) => {
      const where = set.map((f) => sqlOf[f][0]).join(' and ') || '1 = 1';
      const args = set.flatMap((f) => sqlOf[f][1]);
      const matches = Number(
        open.sqlite
          .prepare(`select count(*) from audit_events where ${where}`)
          .pluck()
          .get(...args),
      );
      // The row just above the deep page (pages run newest first by time, then id): the cursor continues below it.
      const above = open.sqlite
        .prepare(`select at, id from audit_events where ${where} order by at desc, id desc limit 1 offset ?`)
        .get(...args, Math.max(0, Math.floor(matches * 0.9) - 1)) as { at: number; id: number } | undefined;
      const q = new URLSearchParams(set.flatMap((f) => (f === 'dates' ? [value.dates, ['to', to]] : [value[f]])));
      return { set, matches, above: matches > 1 ? above : undefined, q };
    });
    await open.close();

    const server = await startServer({ dataDir, port: await freePort(), cpuProf: ctx.cpuProf, maxLifeMs: ctx.maxLifeMs });
    defer(() => server.stop());
    const opts = { serial: o.serial, warmup: o.warmup, concurrency: 0, concurrentMs: 0, pid: server.pid };
    const pages: AuditPageCall[] = [];
    const run = async (filters: string, page: AuditPageCall['page'], matches: number, p: string) => {
      const m = await measure(httpGet(server.url, p, firm.cookies.admin), opts);
      pages.push({ filters, page, matches, path: p, ...m });
      ctx.log(
        `audit: ${page} page, ${filters} (${matches} rows): p50 ${m.p50_ms} / p99 ${m.p99_ms} / max ${m.max_ms} ms, ${m.cpu_ms} ms CPU${m.errors.length ? `, ERRORS ${m.errors.join('; ')}` : ''}`,
      );
    };
    for (const { set, matches, above, q } of plan) {
      const name = set.join('+') || 'none';
      await run(name, 'first', matches, `/audit?${q}`);
      if (above) {
        const after = pageOf([above, above], 1, positionOf, (r) => r).next!;
        await run(name, 'deep', matches, `/audit?${new URLSearchParams([...q, ['after', after]])}`);
      }
    }
    for (const term of ['u1@c0.datascale.test', '203.0.113.77', 'Firefox', firm.ids.person]) {
      await run(`q=${term}`, 'search', 0, `/audit?${new URLSearchParams({ q: term })}`);
    }

    const exported = await exportFigures(server, firm.cookies.admin[0]!, dataDir);
    ctx.log(`audit: export ${JSON.stringify(exported)}`);
    const t = performance.now();
    const verified = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'db', 'audit-verify.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 600_000,
    });
    const verify = {
      seconds: Math.round((performance.now() - t) / 100) / 10,
      exit: verified.status,
      out: (verified.stdout + verified.stderr).trim().slice(-300),
    };
    ctx.log(`audit: audit:verify ${JSON.stringify(verify)}`);
    const chain = await chainCost(o);
    ctx.log(`audit: chaining ${JSON.stringify(chain)}`);

    const worst = (kind: (p: AuditPageCall) => boolean) => {
      const v = pages.filter(kind).map((p) => p.p99_ms);
      return v.length ? Math.max(...v) : null;
    };
    return {
      rows: firm.rows,
      generate_s: firm.seconds,
      db_mb: dbMb,
      pages,
      worst_page_p99_ms: worst((p) => p.page !== 'search'),
      worst_search_p99_ms: worst((p) => p.page === 'search'),
      export: exported,
      verify,
      chain,
    };
  });
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Stream the whole trail as JSON Lines to a file, sampling the server's RSS; then `audit:verify --file` on it. */
async function exportFigures(server: { url: string; pid: number }, cookie: string, dataDir: string): Promise<AuditBenchResult['export']> {
  const out = path.join(dataDir, 'export.jsonl');
  const before = rssMb(server.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid))), 50);
  const t = performance.now();
  try {
    const res = await fetch(`${server.url}/api/audit/export?format=jsonl`, { headers: { origin: server.url, cookie } });
    if (res.status !== 200 || !res.body) throw new Error(`export: HTTP ${res.status}`);
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(out));
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t) / 1000;
  const bytes = statSync(out).size;
  const rows = Number(spawnSync('wc', ['-l', out], { encoding: 'utf8' }).stdout.trim().split(' ')[0]);
  const tv = performance.now();
  const v = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'db', 'audit-verify.ts'), '--file', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
  });
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    format: 'jsonl',
    rows,
    mb: r1(bytes / 2 ** 20),
    seconds: r1(seconds),
    rows_per_s: Math.round(rows / seconds),
    rss_before_mb: r1(before),
    rss_peak_mb: r1(peak),
    rss_growth_mb: r1(peak - before),
    verify_file_s: r1((performance.now() - tv) / 1000),
    verify_file_exit: v.status,
  };
}

/**
 * What the chain costs the writer, per row: the same rows written as the server writes a group
 * commit's chat messages (one `writeAudits` per transaction of `chainBatch` rows: the chain's
 * lock, one read of its head, a hash per row) and inserted unchained (the same columns, a fixed
 * prev_hash/hash), alternating three times on a fresh database; the best of each. The report
 * turns the cost per row into the throughput scenario's drop when both ran (bench/lib/report.ts).
 */
async function chainCost(o: AuditBenchOptions): Promise<AuditBenchResult['chain']> {
  const open = await openBenchDb(freshDataDir());
  try {
    const ctx = {
      actorId: 'u-1',
      actorEmail: 'someone@example.test',
      actorKind: 'portal' as const,
      clientId: 'c-1',
      ip: '203.0.113.9',
      userAgent: 'bench',
      requestId: 'r',
    };
    const entry = {
      action: 'chat.message_sent' as const,
      outcome: 'success' as const,
      targetType: 'chat_message',
      targetId: 'm-1',
      details: { attachments: 0 },
    };
    const timed = async (chained: boolean) => {
      const t = performance.now();
      for (let b = 0; b < o.chainBatches; b++) {
        const at = Date.now();
        await open.db.transaction().execute(async (trx) => {
          if (chained)
            await writeAudits(
              trx,
              Array.from({ length: o.chainBatch }, () => ({ ctx, entry, at })),
            );
          else
            await insertAuditEvents(
              trx,
              Array.from({ length: o.chainBatch }, () => ({
                at,
                actor_id: ctx.actorId,
                actor_email: ctx.actorEmail,
                actor_kind: ctx.actorKind,
                client_id: ctx.clientId,
                action: entry.action,
                target_type: entry.targetType,
                target_id: entry.targetId,
                ip: ctx.ip,
                user_agent: ctx.userAgent,
                outcome: entry.outcome,
                request_id: ctx.requestId,
                source: 'server',
                details: JSON.stringify(entry.details),
                prev_hash: '-',
                hash: '-',
              })),
            );
        });
      }
      return (performance.now() - t) / (o.chainBatch * o.chainBatches);
    };
    const chainedMs: number[] = [];
    const plainMs: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      chainedMs.push(await timed(true));
      plainMs.push(await timed(false));
    }
    const best = (v: number[]) => Math.min(...v);
    const c = best(chainedMs);
    const p = best(plainMs);
    return {
      rows: o.chainBatch * o.chainBatches,
      chained_rows_per_s: Math.round(1000 / c),
      plain_rows_per_s: Math.round(1000 / p),
      cost_us_per_row: Math.round((c - p) * 1000 * 10) / 10,
    };
  } finally {
    await open.close();
  }
}
