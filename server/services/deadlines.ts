import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { FindingRow, FindingStatus, Severity } from '../../db/schema.js';

/**
 * Remediation deadlines. A published finding is due its severity's target (days, a firm setting)
 * after publication, plus the time it spent waiting for verification (the clock is paused while
 * a finding is Pending verification). Informational findings have no deadline. A finding is
 * overdue when it is past due and still needs work from the client.
 */

type TargetSeverity = Exclude<Severity, 'informational'>;
export type RemediationDays = Record<TargetSeverity, number>;

export const DEFAULT_REMEDIATION_DAYS: RemediationDays = { critical: 7, high: 30, medium: 90, low: 180 };
/** The statuses in which a past-due finding counts as overdue. */
const OVERDUE_STATUSES: readonly FindingStatus[] = ['open', 'not_fixed', 'partially_fixed'];

const DAY = 86_400_000;

/** The firm's targets from their stored JSON (defaults for anything missing or malformed). */
export function parseRemediationDays(json: string | null | undefined): RemediationDays {
  try {
    const v = JSON.parse(json ?? '{}') as Record<string, unknown>;
    const out = { ...DEFAULT_REMEDIATION_DAYS };
    for (const k of Object.keys(out) as TargetSeverity[]) {
      const n = v[k];
      if (typeof n === 'number' && Number.isInteger(n) && n > 0) out[k] = n;
    }
    return out;
  } catch {
    return { ...DEFAULT_REMEDIATION_DAYS };
  }
}

export type DueFields = Pick<FindingRow, 'severity' | 'status' | 'published_at' | 'due_paused_ms' | 'due_paused_at'>;

export interface Due {
  /** Unix ms, or null (informational, or not published). */
  dueAt: number | null;
  overdue: boolean;
  /** The clock is stopped (waiting for verification). */
  paused: boolean;
}

/** A finding's due date and whether it is overdue at `now`. */
export function dueOf(f: DueFields, days: RemediationDays, now: number): Due {
  const paused = f.due_paused_at != null;
  if (f.severity === 'informational' || f.published_at == null) return { dueAt: null, overdue: false, paused };
  const pausedMs = f.due_paused_ms + (paused ? Math.max(0, now - f.due_paused_at!) : 0);
  const dueAt = f.published_at + days[f.severity] * DAY + pausedMs;
  return { dueAt, overdue: now > dueAt && OVERDUE_STATUSES.includes(f.status), paused };
}

/**
 * The same rule as `dueOf`, in SQL over a findings table alias, for lists and counts that must not
 * load every finding: `dueAt` (null without a deadline), `overdue`, and `mayBeOverdue`, a cheap
 * necessary condition an index on (status, severity, published_at) can serve (the paused time only
 * moves a deadline later). tests/unit/deadlines-agreement.test.ts holds the two in agreement.
 */
export function dueSql(
  f: string,
  days: RemediationDays,
  now: number,
): { dueAt: RawBuilder<number | null>; overdue: RawBuilder<SqlBool>; mayBeOverdue: RawBuilder<SqlBool> } {
  const col = (c: string) => sql.ref(`${f}.${c}`);
  const target = sql`case ${col('severity')} ${sql.join(
    (Object.keys(days) as TargetSeverity[]).map((s) => sql`when ${sql.lit(s)} then ${sql.lit(days[s] * DAY)}`),
    sql` `,
  )} end`;
  const pausedFor = sql`case when ${col('due_paused_at')} is null then 0 when ${now} > ${col('due_paused_at')} then ${now} - ${col('due_paused_at')} else 0 end`;
  const dueAt = sql<
    number | null
  >`(case when ${col('severity')} = 'informational' or ${col('published_at')} is null then null else ${col('published_at')} + ${target} + ${col('due_paused_ms')} + ${pausedFor} end)`;
  const needsWork = sql`${col('status')} in (${sql.join(OVERDUE_STATUSES.map((s) => sql.lit(s)))})`;
  const mayBeOverdue = sql<SqlBool>`(${needsWork} and (${sql.join(
    (Object.keys(days) as TargetSeverity[]).map((s) => sql`(${col('severity')} = ${sql.lit(s)} and ${col('published_at')} < ${now - days[s] * DAY})`),
    sql` or `,
  )}))`;
  return { dueAt, overdue: sql<SqlBool>`(${mayBeOverdue} and ${now} > ${dueAt})`, mayBeOverdue };
}
