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
