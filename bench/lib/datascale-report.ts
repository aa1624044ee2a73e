import type { DatascaleCall, DatascaleResult } from '../scenarios/datascale.js';
import type { BrowserFigures, BrowserPageResult } from './datascale/browser.js';

/** The datascale table (Markdown): one row per call, flagged where the issue's targets are missed. */

/** The issue's targets for a page's call (reported, never enforced). */
export const DATASCALE_TARGETS = { p99_ms: 50, bytes: 256 * 1024 };

/** The issue's browser targets: the portal's initial JavaScript, and each heavy page's content shown within 1 s. */
export const BROWSER_TARGETS = { initial_js_gzip_kb: 150 };

/** Whether a page met its target: the median of cold, warm and in-app loads each within it. */
const pageMet = (p: BrowserPageResult) => Math.max(p.cold_ms_median, p.warm_ms_median, p.spa_ms_median) <= p.target_ms;

/** Whether the browser figures met the targets (null when they were not measured). */
export function browserMet(b: BrowserFigures | undefined): { js: boolean | null; pages: boolean | null } {
  if (!b || 'skipped' in b) return { js: null, pages: null };
  return { js: b.initial_js_gzip_kb <= BROWSER_TARGETS.initial_js_gzip_kb, pages: b.pages.every(pageMet) };
}

/** Whether every call met them (null when datascale did not run). */
export function datascaleMet(d: DatascaleResult | undefined): boolean | null {
  if (!d?.calls) return null;
  return d.calls.every((c) => !flagsOf(c));
}

const kb = (b: number) => (b >= 1024 * 1024 ? `${(b / 2 ** 20).toFixed(1)} MB` : `${(b / 1024).toFixed(1)} KB`);
const ms = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : String(v));

/**
 * The p99 judged: the server's own time, which is what the issue sets the target on (a run from
 * before the bench read it: the round trip, an upper bound).
 */
const judgedP99 = (c: DatascaleCall) => c.server_p99_ms ?? c.p99_ms;

/** Why a call misses the targets ('' when it meets them). */
export function flagsOf(c: DatascaleCall): string {
  const out: string[] = [];
  if (c.errors.length) out.push(`ERRORS: ${c.errors.join('; ').slice(0, 120)}`);
  if (judgedP99(c) > DATASCALE_TARGETS.p99_ms) out.push(`p99 in the server > ${DATASCALE_TARGETS.p99_ms} ms`);
  if (c.bytes > DATASCALE_TARGETS.bytes) out.push(`> ${DATASCALE_TARGETS.bytes / 1024} KB`);
  return out.join(', ');
}

/** The table of one run, on SQLite or on PostgreSQL (there the CPU is the server's and PostgreSQL's together). */
export function datascaleTable(d: DatascaleResult): string {
  const onPg = d.database === 'postgres';
  const head = [
    'call',
    'as',
    'page',
    'p50 ms',
    'p99 ms',
    'max ms',
    'in the server: p50 / p99 / max ms',
    onPg ? 'server + PostgreSQL CPU ms/req' : 'CPU ms/req',
    'bytes',
    'conc. p50 ms',
    'conc. p99 ms',
    'req/s',
    'flag',
  ];
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  const rows = d.calls.map((c) =>
    line([
      `\`${c.name}\``,
      c.role,
      c.page + (c.note ? ` (${c.note})` : '') + (c.content_encoding ? ` [${c.content_encoding}]` : ''),
      ms(c.p50_ms),
      ms(c.p99_ms),
      ms(c.max_ms),
      `${ms(c.server_p50_ms)} / ${ms(c.server_p99_ms)} / ${ms(c.server_max_ms)}`,
      ms(c.cpu_ms),
      kb(c.bytes),
      ms(c.concurrent_p50_ms),
      ms(c.concurrent_p99_ms),
      ms(c.rps),
      flagsOf(c) ? `**${flagsOf(c)}**` : '',
    ]),
  );
  for (const n of d.not_built) rows.push(line([n.split(' (')[0]!, '', n, '', '', '', '', '', '', '', '', '', 'not built yet']));
  const flagged = d.calls.filter((c) => flagsOf(c)).length;
  return [
    `datascale${onPg ? ' on PostgreSQL' : ''} at scale ${d.scale}: generated in ${d.generate_s} s, SQLite database ${d.db_mb} MiB${onPg ? `, moved into PostgreSQL in ${d.move_s} s (then VACUUM (ANALYZE) ${d.vacuum_s} s)` : ''}; worst serial p99 ${ms(d.worst_server_p99_ms ?? null)} ms in the server, ${ms(d.worst_p99_ms)} ms round trip (p50/p99/max columns: the round trip the bench saw; the server's time is from arrival to answer, from its log); ${flagged} of ${d.calls.length} calls miss p99 ≤ ${DATASCALE_TARGETS.p99_ms} ms in the server or ≤ ${DATASCALE_TARGETS.bytes / 1024} KB`,
    '',
    line(head),
    line(head.map(() => '---')),
    ...rows,
  ].join('\n');
}

/**
 * The browser table (Markdown): the initial JavaScript, then one row per page with its medians
 * and maxima, and where a cold load's time goes (medians): scripts fetched before the content and
 * when the last arrived, when the last API answer arrived, main-thread tasks over 50 ms.
 */
export function browserTable(b: BrowserFigures): string {
  if ('skipped' in b) return `datascale in the browser: ${b.skipped}`;
  const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
  const head = [
    'page',
    'as',
    'cold median / max ms',
    'warm median / max ms',
    'in-app median / max ms',
    'rows',
    'cold: scripts loaded (last at ms)',
    'cold: last API answer at ms',
    'cold: long tasks ms',
    'target',
    'met',
  ];
  const line = (c: (string | number)[]) => `| ${c.join(' | ')} |`;
  const median = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null).sort((x, y) => x - y);
    return v.length ? v[Math.floor((v.length - 1) / 2)]! : '—';
  };
  const biggest = b.initial_js_chunks
    .slice(0, 5)
    .map((c) => `${c.name ?? c.file} ${c.gzip_kb}`)
    .join(', ');
  return [
    `datascale in Chromium: initial JavaScript of ${b.initial_js_page}: ${b.initial_js_gzip_kb} KB gzip (${b.initial_js_raw_kb} KB raw, ${b.initial_js_files} files; Chromium transferred ${b.initial_js_transfer_kb} KB as ${b.initial_js_transfer_encoding}); target ≤ ${BROWSER_TARGETS.initial_js_gzip_kb} KB: ${yes(browserMet(b).js!)}. Biggest (KB gzip): ${biggest}`,
    '',
    line(head),
    line(head.map(() => '---')),
    ...b.pages.map((p) =>
      line([
        p.name,
        p.role,
        `${p.cold_ms_median} / ${p.cold_ms_max}`,
        `${p.warm_ms_median} / ${p.warm_ms_max}`,
        `${p.spa_ms_median} / ${p.spa_ms_max}`,
        p.samples.cold[0]?.rows ?? '—',
        `${median(p.samples.cold.map((s) => s.scripts))} (${median(p.samples.cold.map((s) => s.scripts_ms))})`,
        median(p.samples.cold.map((s) => s.api_ms)),
        median(p.samples.cold.map((s) => s.long_tasks_ms)),
        `≤ ${p.target_ms}`,
        pageMet(p) ? 'yes' : '**NO**',
      ]),
    ),
  ].join('\n');
}
