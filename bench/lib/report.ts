import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { browserMet, browserTable, datascaleMet, datascaleTable, flagsOf } from './datascale-report.js';

/** The machine a run happened on (for the README and the JSON). */
export function machine() {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? model;
  } catch {
    /* not Linux */
  }
  return {
    cpus: os.availableParallelism(),
    cpu_model: model,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    load_average_at_end: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

/**
 * What one durable commit costs on the disk the servers' data folders are on (300 single-row
 * commits, WAL, synchronous=FULL, as the product opens its database): the floor under every
 * write's latency, and a figure that moves with the neighbours of a virtual disk.
 */
export function commitCost(dir: string): { commit_p50_ms: number; commit_p99_ms: number } {
  const db = new Database(path.join(dir, 'commit-probe.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('create table t (x integer)');
    const insert = db.prepare('insert into t values (?)');
    const ms: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = process.hrtime.bigint();
      insert.run(i);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    const at = (q: number) => Math.round(ms[Math.floor(q * (ms.length - 1))]! * 100) / 100;
    return { commit_p50_ms: at(0.5), commit_p99_ms: at(0.99) };
  } finally {
    db.close();
  }
}

type Any = Record<string, any>;
const g = (r: Any, path: string): any => path.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), r);
const num = (v: unknown) => (typeof v === 'number' ? v : null);

/** The issue's targets, evaluated on whatever ran (null = not measured). Reported, never enforced. */
export function targetsOf(r: Any) {
  const check = (ok: boolean | null) => ok;
  const fanout = num(g(r, 'fanout.ratio_p99'));
  const tput = num(g(r, 'throughput.ratio'));
  const cap = num(g(r, 'capacity.ratio_conns_per_gib'));
  const cu = r.catchup as Any | undefined;
  const mixed = num(g(r, 'mixed.users'));
  return {
    'fanout.ratio_p99 <= 1.2': check(fanout === null ? null : fanout <= 1.2),
    'throughput.ratio >= 0.6, lost = 0, synchronous = FULL': check(
      tput === null ? null : tput >= 0.6 && g(r, 'throughput.lost') === 0 && g(r, 'throughput.synchronous') === 'FULL',
    ),
    'capacity.ratio_conns_per_gib >= 0.35': check(cap === null ? null : cap >= 0.35),
    'catchup lost = duplicates = out_of_order = 0, seconds <= 2 × connect_seconds': check(
      !cu || cu.seconds == null ? null : cu.lost === 0 && cu.duplicates === 0 && cu.out_of_order === 0 && cu.seconds <= 2 * cu.connect_seconds,
    ),
    'mixed.users >= 10000': check(mixed === null ? null : mixed >= 10_000),
    'datascale: every call p99 <= 50 ms and <= 256 KB': datascaleMet(r.datascale as never),
    'datascale: portal initial JS <= 150 KB gzip': browserMet(g(r, 'datascale.browser')).js,
    'datascale: heavy pages show their content <= 1000 ms in Chromium (cold, warm, in-app medians)': browserMet(g(r, 'datascale.browser')).pages,
    ...auditTargets(r.audit as Any | undefined, chainDropPct(r)),
  };
}

/**
 * The throughput scenario's drop from chaining (issue 15): each durable chat message writes one
 * audit row, so at `msgs_per_s` the writer spends `cost_us_per_row × msgs_per_s` µs a second
 * chaining; that share of its time is the throughput lost. Null unless audit and throughput ran.
 */
function chainDropPct(r: Any): number | null {
  const cost = num(g(r, 'audit.chain.cost_us_per_row'));
  const rate = num(g(r, 'throughput.msgs_per_s'));
  return cost === null || rate === null ? null : Math.round(Math.max(0, cost) * rate * 1e-4 * 10) / 10;
}

/** Issue 15's audit targets: pages, search, export memory, verify time, the chain's cost. */
function auditTargets(a: Any | undefined, dropPct: number | null) {
  const ok = (v: unknown, test: (n: number) => boolean) => (typeof v === 'number' ? test(v) : null);
  return {
    'audit: first and deep page p99 <= 50 ms for every filter combination': ok(a?.worst_page_p99_ms, (v) => v <= 50),
    'audit: text search p99 <= 250 ms': ok(a?.worst_search_p99_ms, (v) => v <= 250),
    'audit: RSS growth during export <= 64 MB': ok(a?.export?.rss_growth_mb, (v) => v <= 64),
    'audit: audit:verify over the rows <= 30 s, exit 0': ok(a?.verify?.seconds, (v) => v <= 30 && a?.verify?.exit === 0),
    'audit: chaining drops throughput <= 10%': ok(dropPct, (v) => v <= 10),
  };
}

const fmt = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'number' ? String(v) : String(v));

/** The result table (Markdown, so it can go straight into the README). */
/** ` (min–max of n)` after a ratio that is the median of repetitions (bench/lib/repeat.ts). */
function spreadOf(x: Any): string {
  const s = x.spread;
  return s && s.n > 1 && s.min !== null ? ` (${fmt(s.min)}–${fmt(s.max)} of ${s.n})` : '';
}

export function tableOf(r: Any): string {
  const rows: string[][] = [];
  const t = targetsOf(r);
  const met = (k: keyof typeof t) => (t[k] === null ? '—' : t[k] ? 'yes' : 'NO');
  if (r.fanout && !r.fanout.error) {
    const f = r.fanout;
    rows.push([
      'fanout',
      `delivery p50 / p99 / max to ${f.sockets} sockets, ${f.posts} comments`,
      `${fmt(f.p50_ms)} / ${fmt(f.p99_ms)} / ${fmt(f.max_ms)} ms`,
      `${fmt(f.baseline_p50_ms)} / ${fmt(f.baseline_p99_ms)} ms`,
      `${fmt(f.socketio_p99_ms)} ms`,
      `p99 ×${fmt(f.ratio_p99)}${spreadOf(f)}`,
      '≤ 1.2',
      met('fanout.ratio_p99 <= 1.2'),
    ]);
    rows.push(['', 'lost / duplicates / out of order', `${f.lost} / ${f.duplicates} / ${f.out_of_order}`, '', '', '', '0', '']);
  }
  if (r.throughput && !r.throughput.error) {
    const x = r.throughput;
    rows.push([
      'throughput',
      `durable chat messages/s, ${x.users} users in ${x.clients} channels, window ${x.window}`,
      `${fmt(x.msgs_per_s)}/s`,
      `${fmt(x.baseline_msgs_per_s)}/s`,
      `${fmt(x.socketio_msgs_per_s)}/s`,
      `×${fmt(x.ratio)}${spreadOf(x)}`,
      '≥ 0.6',
      met('throughput.ratio >= 0.6, lost = 0, synchronous = FULL'),
    ]);
    rows.push([
      '',
      `delivery p99 / ack p99; lost; synchronous`,
      `${fmt(x.p99_ms)} / ${fmt(x.ack_p99_ms)} ms; ${x.lost}; ${x.synchronous}`,
      '',
      '',
      '',
      'lost 0, FULL',
      '',
    ]);
  }
  if (r.capacity && !r.capacity.error) {
    const c = r.capacity;
    rows.push([
      'capacity',
      `RSS per idle authenticated socket (${c.sockets} sockets)`,
      `${fmt(c.kb_per_conn)} KiB`,
      `${fmt(c.baseline_kb_per_conn)} KiB`,
      `${fmt(c.socketio_kb_per_conn)} KiB`,
      `conns/GiB ×${fmt(c.ratio_conns_per_gib)}${spreadOf(c)}`,
      '≥ 0.35',
      met('capacity.ratio_conns_per_gib >= 0.35'),
    ]);
    rows.push([
      '',
      'connections per GiB; connect rate',
      `${fmt(c.conns_per_gib)}; ${fmt(c.connects_per_s)}/s`,
      `${fmt(c.baseline_conns_per_gib)}`,
      '',
      '',
      '',
      '',
    ]);
  }
  if (r.catchup && !r.catchup.error) {
    const c = r.catchup;
    rows.push([
      'catchup',
      `${c.sockets} sockets back after a restart, ${c.events} missed events`,
      `${fmt(c.seconds)} s (first connect ${fmt(c.connect_seconds)} s)`,
      '',
      '',
      `×${fmt(c.ratio_to_connect)}${spreadOf(c)}`,
      '≤ 2',
      met('catchup lost = duplicates = out_of_order = 0, seconds <= 2 × connect_seconds'),
    ]);
    rows.push(['', 'lost / duplicates / out of order', `${c.lost} / ${c.duplicates} / ${c.out_of_order}`, '', '', '', '0', '']);
  }
  if (r.mixed && !r.mixed.error) {
    const m = r.mixed;
    rows.push([
      'mixed',
      `active users held (channels of ${m.channel_size}, ${m.per_user_per_minute} msg/min, typing)`,
      `${fmt(m.users)} (p99 ${fmt(m.p99_ms)} ms)`,
      '',
      '',
      `idle p99 ${fmt(m.idle_p99_ms)} ms`,
      '≥ 10,000',
      met('mixed.users >= 10000'),
    ]);
    rows.push(['', 'steps: users → p99', (m.steps as Any[]).map((s) => `${s.users}→${fmt(s.p99_ms)}${s.held ? '' : '✗'}`).join(', '), '', '', '', '', '']);
  }
  if (r.audit?.pages) {
    const a = r.audit;
    const line = (what: string, value: string, target: string, key: Parameters<typeof met>[0]) =>
      rows.push(['audit', what, value, '', '', '', target, met(key)]);
    line(
      `worst first/deep page p99 of ${a.pages.length - 4} (32 filter combinations), ${a.rows} rows`,
      `${fmt(a.worst_page_p99_ms)} ms`,
      '≤ 50 ms',
      'audit: first and deep page p99 <= 50 ms for every filter combination',
    );
    line('worst text search p99 (4 terms)', `${fmt(a.worst_search_p99_ms)} ms`, '≤ 250 ms', 'audit: text search p99 <= 250 ms');
    line(
      `export JSONL: ${a.export.rows} rows, ${a.export.mb} MB at ${a.export.rows_per_s} rows/s; RSS growth`,
      `${fmt(a.export.rss_growth_mb)} MB`,
      '≤ 64 MB',
      'audit: RSS growth during export <= 64 MB',
    );
    line(
      `audit:verify over the database (exit ${a.verify.exit}; --file on the export ${a.export.verify_file_s} s, exit ${a.export.verify_file_exit})`,
      `${fmt(a.verify.seconds)} s`,
      '≤ 30 s',
      'audit: audit:verify over the rows <= 30 s, exit 0',
    );
    line(
      `chaining: ${a.chain.cost_us_per_row} µs a row (${a.chain.chained_rows_per_s} vs ${a.chain.plain_rows_per_s} audit rows/s unchained); throughput drop at ${fmt(g(r, 'throughput.msgs_per_s'))} msgs/s`,
      `${fmt(chainDropPct(r))} %`,
      '≤ 10 %',
      'audit: chaining drops throughput <= 10%',
    );
  }
  if (r.datascale?.calls) {
    const d = r.datascale;
    rows.push([
      'datascale',
      `worst serial p99 of ${d.calls.length} page calls in the server (round trip), firm at scale ${d.scale} (table below)`,
      `${fmt(d.worst_server_p99_ms ?? d.worst_p99_ms)} ms (${fmt(d.worst_p99_ms)} ms)`,
      '',
      '',
      '',
      '≤ 50 ms, ≤ 256 KB each',
      met('datascale: every call p99 <= 50 ms and <= 256 KB'),
    ]);
    const b = d.browser;
    if (b && !('skipped' in b)) {
      const worst = Math.max(...b.pages.map((p: Any) => Math.max(p.cold_ms_median, p.warm_ms_median, p.spa_ms_median)));
      rows.push([
        '',
        `portal initial JavaScript, gzip (${b.initial_js_files} files)`,
        `${fmt(b.initial_js_gzip_kb)} KB`,
        '',
        '',
        '',
        '≤ 150 KB',
        met('datascale: portal initial JS <= 150 KB gzip'),
      ]);
      rows.push([
        '',
        `slowest page median to content in Chromium, of ${b.pages.length} (table below)`,
        `${worst} ms`,
        '',
        '',
        '',
        '≤ 1000 ms',
        met('datascale: heavy pages show their content <= 1000 ms in Chromium (cold, warm, in-app medians)'),
      ]);
    } else if (b) rows.push(['', 'browser figures', String(b.skipped).slice(0, 160), '', '', '', '', '—']);
  }
  for (const [k, v] of Object.entries(r))
    if (v && typeof v === 'object' && 'error' in v) rows.push([k, 'FAILED', String((v as Any).error).slice(0, 120), '', '', '', '', '']);
  const head = ['scenario', 'figure', 'Debrief', 'raw ws', 'bare Socket.IO', 'ratio', 'target', 'met'];
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `--postgres`: fanout and throughput on SQLite and PostgreSQL side by side, with PostgreSQL's durability settings. */
function postgresTable(r: Any): string {
  const p = r.postgres;
  const rows: string[][] = [];
  const pair = (name: string, figure: string, of: (x: Any) => string) => {
    const a = r[name] && !r[name].error ? of(r[name]) : '—';
    const b = p[name] && !p[name].error ? of(p[name]) : '—';
    rows.push([name, figure, a, b]);
  };
  pair('fanout', 'p99 one event to every socket; ×raw ws', (x) => `${fmt(x.p99_ms)} ms; ×${fmt(x.ratio_p99)}`);
  pair('fanout', 'lost / duplicates / out of order', (x) => `${x.lost} / ${x.duplicates} / ${x.out_of_order}`);
  pair('throughput', 'durable chat messages/s; ×raw ws', (x) => `${fmt(x.msgs_per_s)}/s; ×${fmt(x.ratio)}`);
  pair('throughput', 'delivery p99 / ack p99; lost; durability', (x) => `${fmt(x.p99_ms)} / ${fmt(x.ack_p99_ms)} ms; ${x.lost}; ${x.synchronous}`);
  if (p.datascale)
    pair(
      'datascale',
      'worst serial p99 of the page calls in the server (round trip); calls missing a target',
      (x) => `${fmt(x.worst_server_p99_ms ?? x.worst_p99_ms)} ms (${fmt(x.worst_p99_ms)} ms); ${x.calls.filter(flagsOf).length} of ${x.calls.length}`,
    );
  if (p.throughput_unbatched)
    rows.push([
      'throughput',
      'the same, a transaction per message (WRITE_BATCH_MAX=1)',
      '—',
      `${fmt(p.throughput_unbatched.msgs_per_s)}/s; ack p99 ${fmt(p.throughput_unbatched.ack_p99_ms)} ms; lost ${p.throughput_unbatched.lost}`,
    ]);
  const settings = Object.entries(p.settings ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const head = ['scenario', 'figure', 'SQLite', `PostgreSQL ${p.version ?? ''} (pool ${p.pool_size ?? '?'})`];
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  return [
    line(head),
    line(head.map(() => '---')),
    ...rows.map(line),
    '',
    `PostgreSQL: ${settings}${p.error ? `; FAILED: ${String(p.error).slice(0, 160)}` : ''}`,
  ].join('\n');
}

/** CPU seconds per process as `a 1.2, b 1.1, …` (what each part of the target burnt). */
function cpuLine(x: Any): string {
  const c = x?.cpu_seconds as Record<string, number> | undefined;
  if (!c) return '—';
  return Object.entries(c)
    .map(([k, v]) => `${k.replace('instance_', '')} ${v === null ? 'gone' : fmt(v)}`)
    .join(', ');
}

/** `--cluster`: one instance and three behind HAProxy side by side on PostgreSQL, then failover. */
function clusterTable(r: Any): string {
  const c = r.cluster;
  const rows: string[][] = [];
  const pair = (a: string, b: string, figure: string, of: (x: Any) => string) => {
    const show = (x: Any) => (!x ? '—' : x.error ? `FAILED: ${String(x.error).slice(0, 80)}` : of(x));
    if (c[a] || c[b]) rows.push([a.split('_')[0]!, figure, show(c[a]), show(c[b])]);
  };
  pair('fanout_single', 'fanout_three', 'p99 / max one comment to every socket', (x) => `${fmt(x.p99_ms)} / ${fmt(x.max_ms)} ms (${x.sockets} sockets)`);
  pair('fanout_single', 'fanout_three', 'lost / duplicates / out of order', (x) => `${x.lost} / ${x.duplicates} / ${x.out_of_order}`);
  pair('fanout_single', 'fanout_three', 'CPU seconds during the comments', cpuLine);
  pair('throughput_single', 'throughput_three', 'durable chat messages/s', (x) => `${fmt(x.msgs_per_s)}/s (${x.users} users)`);
  pair('throughput_single', 'throughput_three', 'delivery p99 / ack p99; lost', (x) => `${fmt(x.p99_ms)} / ${fmt(x.ack_p99_ms)} ms; ${x.lost}`);
  pair('throughput_single', 'throughput_three', 'CPU seconds during the sends', cpuLine);
  const f = c.failover;
  if (f?.error) rows.push(['failover', 'FAILED', '', String(f.error).slice(0, 160)]);
  else if (f)
    rows.push(
      [
        'failover',
        `kill -9 of one of 3; ${fmt(f.sockets)} of ${fmt(f.sockets_total)} sockets on it: back and caught up after`,
        '',
        f.seconds === null ? `NOT all back (${fmt(f.not_back)} missing)` : `${fmt(f.seconds)} s (half by ${fmt(f.seconds_p50)} s)`,
      ],
      ['', 'sockets whose first reconnection was refused; attempts in all', '', `${fmt(f.retried)}; ${fmt(f.reconnect_attempts)}`],
      ['', `lost / duplicates / out of order, ${fmt(f.events)} messages × every socket`, '', `${f.lost} / ${f.duplicates} / ${f.out_of_order}`],
      ['', 'writes through the balancer refused or cut / sent', '', `${fmt(f.writes_failed)} / ${fmt(f.writes_sent)}`],
      ['', 'CPU seconds from the kill until all were back', '', cpuLine(f)],
    );
  const head = ['scenario', 'figure', 'one instance', 'three instances, HAProxy'];
  const line = (x: string[]) => `| ${x.join(' | ')} |`;
  return [
    line(head),
    line(head.map(() => '---')),
    ...rows.map(line),
    '',
    `PostgreSQL ${c.version ?? ''}, pool ${c.pool_size_per_instance ?? '?'} per instance`,
  ].join('\n');
}

export function printTable(r: Any): void {
  process.stdout.write(`\n${tableOf(r)}\n`);
  if (r.postgres) process.stdout.write(`\n${postgresTable(r)}\n`);
  if (r.cluster) process.stdout.write(`\n${clusterTable(r)}\n`);
  if (r.datascale?.calls) process.stdout.write(`\n${datascaleTable(r.datascale)}\n`);
  if (r.postgres?.datascale?.calls) process.stdout.write(`\n${datascaleTable(r.postgres.datascale)}\n`);
  if (r.datascale?.browser) process.stdout.write(`\n${browserTable(r.datascale.browser)}\n`);
}
