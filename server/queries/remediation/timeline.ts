import type { AppDeps } from '../../context.js';
import type { RemediationDTO } from '../../contracts/remediation.js';
import { presentRetest, presentRound } from '../../presenters/remediation.js';
import { presentStatusChange } from '../../presenters/workspace.js';
import { actorOf, allowedFrom, statusChangesFrom } from '../../remediation/transitions.js';
import { statusHistories } from '../../repositories/findings.js';
import { listRetests, remediationDays, roundAttachments, roundsOf } from '../../repositories/remediation.js';
import { dueOf } from '../../services/deadlines.js';
import { can } from '../../policies/index.js';
import { remediationFinding } from './access.js';
import type { CommandContext } from '../../context.js';

/**
 * A finding's remediation as the viewer may see it: due date (paused or not), every round with
 * its files, every status change, the retest requests naming it, and what the viewer may do
 * now. The same for both sides apart from what the visibility table hides.
 */
export async function getRemediation(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, findingId: string): Promise<RemediationDTO> {
  const { finding: f, profile } = await remediationFinding(deps, ctx, findingId, 'remediation.read');
  const now = deps.clock();
  const [days, rounds, history, retests] = await Promise.all([
    remediationDays(deps.db),
    roundsOf(deps.db, f.id),
    statusHistories(deps.db, [f.id]),
    listRetests(deps.db, { findingId: f.id, clientId: f.client_id }),
  ]);
  const files = await roundAttachments(
    deps.db,
    rounds.map((r) => r.id),
  );
  const due = dueOf(f, days, now);
  const user = ctx.viewer.user;
  const resource = { type: 'clientData' as const, clientId: f.client_id };
  const moves = allowedFrom(f.status, actorOf(user));
  return {
    findingId: f.id,
    status: f.status,
    severity: f.severity,
    dueAt: due.dueAt == null ? null : new Date(due.dueAt).toISOString(),
    overdue: due.overdue,
    paused: due.paused,
    targetDays: f.severity === 'informational' ? null : days[f.severity],
    rounds: rounds.map((r) => presentRound(r, files.get(r.id) ?? [], profile)),
    history: (history.get(f.id) ?? []).map((h) => presentStatusChange(h, profile)),
    retests: retests.map((r) => presentRetest(r, profile)),
    can: {
      submit: can(user, 'remediation.submit', resource) && moves.includes('pending_verification'),
      verdict: can(user, 'remediation.verdict', resource) && f.status === 'pending_verification',
      statuses: user.kind === 'staff' ? statusChangesFrom(f.status, actorOf(user)) : [],
    },
  };
}
