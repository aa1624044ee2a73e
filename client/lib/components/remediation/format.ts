import type { RemediationDTO, RoundDTO, Verdict } from '$contracts/remediation';
import type { StatusChangeDTO } from '$contracts/workspace';
import { formatDue } from '$lib/datetime';

/** Words and shapes shared by the remediation components and pages. */

export const VERDICT_LABELS: Record<Verdict, string> = { verified_fixed: 'Verified fixed', not_fixed: 'Not fixed', partially_fixed: 'Partially fixed' };

/** Whole days from now to `iso` (negative when past). */
function daysUntil(iso: string, now = Date.now()): number {
  return Math.ceil((Date.parse(iso) - now) / 86_400_000);
}

/** The due-date line both sides read. */
export function dueText(r: Pick<RemediationDTO, 'dueAt' | 'overdue' | 'paused' | 'status'>): string {
  if (!r.dueAt) return 'No remediation deadline (informational, or not published yet).';
  if (r.paused) return `Due ${formatDue(r.dueAt)} — the clock is paused while the fix waits for verification.`;
  if (r.overdue) return `Overdue: it was due ${formatDue(r.dueAt)}.`;
  if (['verified_fixed', 'risk_accepted', 'closed'].includes(r.status)) return `Was due ${formatDue(r.dueAt)}; no longer counted.`;
  const d = daysUntil(r.dueAt);
  return `Due ${formatDue(r.dueAt)} (${d <= 0 ? 'today' : d === 1 ? 'in 1 day' : `in ${d} days`}).`;
}

export type TimelineItem = { at: string; kind: 'round'; round: RoundDTO } | { at: string; kind: 'status'; change: StatusChangeDTO };

/**
 * Rounds and the status changes that were not part of a round (publication, Risk accepted,
 * Closed, reopening), oldest first: one timeline for both sides.
 */
export function timeline(r: RemediationDTO): TimelineItem[] {
  const items: TimelineItem[] = [
    ...r.rounds.map((round) => ({ at: round.submittedAt, kind: 'round' as const, round })),
    ...r.history
      .filter((h) => h.to !== 'pending_verification' && h.from !== 'pending_verification')
      .map((change) => ({ at: change.at, kind: 'status' as const, change })),
  ];
  return items.sort((a, b) => a.at.localeCompare(b.at));
}
