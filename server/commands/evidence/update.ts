import type { AppDeps } from '../../context.js';
import type { EvidenceDTO } from '../../contracts/workspace.js';
import type { EvidencePatch } from '../../contracts/evidence.js';
import { writeAudit } from '../../audit.js';
import { notFound } from '../../errors.js';
import { presentEvidence } from '../../presenters/workspace.js';
import { STAFF_PROFILE } from '../../visibility/profile.js';
import { findEvidence, lockEvidence, updateEvidenceRow } from '../../repositories/evidence.js';
import { auditFor, type CommandContext } from '../../context.js';
import { evidenceFor } from '../../queries/evidence/access.js';
import { appendFindingEvent } from '../../events/log.js';

/**
 * Change an evidence item's caption or whether it is shared with the client (a shared item is
 * visible once its finding is published; the client only ever gets the client copy).
 */
export async function updateEvidence(deps: AppDeps, ctx: CommandContext, id: string, patch: EvidencePatch): Promise<EvidenceDTO> {
  const { row } = await evidenceFor(deps, ctx, id, 'evidence.manage');
  const set: { caption?: string; shared?: number } = {};
  if (patch.caption !== undefined && patch.caption !== row.caption) set.caption = patch.caption;
  if (patch.shared !== undefined && (patch.shared ? 1 : 0) !== row.shared) set.shared = patch.shared ? 1 : 0;
  if (Object.keys(set).length === 0) return presentEvidence(row, STAFF_PROFILE);
  const updated = await deps.db.transaction().execute(async (trx) => {
    // Locked first (the finding, then the item: docs/transactions.md), so a removal committed
    // while we waited is seen here as a 404, and the event log's lock comes after the row's.
    await lockEvidence(trx, row.finding_id, id);
    if (!(await findEvidence(trx, id))) throw notFound();
    await updateEvidenceRow(trx, id, set);
    await appendFindingEvent(trx, row.finding_id, 'finding:updated', deps.clock());
    await writeAudit(
      trx,
      auditFor(ctx, row.client_id),
      {
        action: 'evidence.updated',
        outcome: 'success',
        targetType: 'evidence',
        targetId: id,
        details: { ...(set.caption !== undefined && { caption: true }), ...(set.shared !== undefined && { shared: set.shared === 1 }) },
      },
      deps.clock(),
    );
    const fresh = await findEvidence(trx, id);
    if (!fresh) throw notFound(); // removed meanwhile (SQLite, or a row lock not taken): never a TypeError
    return fresh;
  });
  deps.bus.publish('events.appended', {});
  const { finding_published: _ignored, ...fresh } = updated;
  return presentEvidence(fresh, STAFF_PROFILE);
}
