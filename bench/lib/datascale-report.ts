import type { DatascaleCall, DatascaleResult } from '../scenarios/datascale.js';

/** The datascale table (Markdown): one row per call, flagged where the targets are missed. */

/** The targets for a page's call (reported, never enforced). */
export const DATASCALE_TARGETS = { p99_ms: 50, bytes: 256 * 1024 };

/** Whether every call met them (null when datascale did not run). */
export function datascaleMet(d: DatascaleResult | undefined): boolean | null {
  if (!d?.calls) return null;
  return d.calls.every((c) => !flagsOf(c));
}

const kb = (b: number) => (b >= 1024 * 1024 ? `${(b / 2 ** 20).toFixed(1)} MB` : `${(b / 1024).toFixed(1)} KB`);
const ms = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : String(v));

/** Why a call misses the targets ('' when it meets them). */
export function flagsOf(c: DatascaleCall): string {
  const out: string[] = [];
  if (c.errors.length) out.push(`ERRORS: ${c.errors.join('; ').slice(0, 120)}`);
  if (c.p99_ms > DATASCALE_TARGETS.p99_ms) out.push(`p99 > ${DATASCALE_TARGETS.p99_ms} ms`);
  if (c.bytes > DATASCALE_TARGETS.bytes) out.push(`> ${DATASCALE_TARGETS.bytes / 1024} KB`);
  return out.join(', ');
}

export function datascaleTable(d: DatascaleResult): string {
  const head = ['call', 'as', 'page', 'p50 ms', 'p99 ms', 'CPU ms/req', 'bytes', 'conc. p50 ms', 'conc. p99 ms', 'req/s', 'flag'];
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  const rows = d.calls.map((c) =>
    line([
      `\`${c.name}\``,
      c.role,
      c.page + (c.note ? ` (${c.note})` : '') + (c.content_encoding ? ` [${c.content_encoding}]` : ''),
      ms(c.p50_ms),
      ms(c.p99_ms),
      ms(c.cpu_ms),
      kb(c.bytes),
      ms(c.concurrent_p50_ms),
      ms(c.concurrent_p99_ms),
      ms(c.rps),
      flagsOf(c) ? `**${flagsOf(c)}**` : '',
    ]),
  );
  for (const n of d.not_built) rows.push(line([n.split(' (')[0]!, '', n, '', '', '', '', '', '', '', 'not built yet']));
  const flagged = d.calls.filter((c) => flagsOf(c)).length;
  return [
    `datascale at scale ${d.scale}: generated in ${d.generate_s} s, database ${d.db_mb} MiB; worst serial p99 ${ms(d.worst_p99_ms)} ms; ${flagged} of ${d.calls.length} calls miss p99 ≤ ${DATASCALE_TARGETS.p99_ms} ms or ≤ ${DATASCALE_TARGETS.bytes / 1024} KB`,
    '',
    line(head),
    line(head.map(() => '---')),
    ...rows,
  ].join('\n');
}
