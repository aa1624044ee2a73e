import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { notFound } from '../../errors.js';
import { deleteEvidenceRow, evidenceFiles, findEvidence, lockEvidence } from '../../repositories/evidence.js';
import { deleteStoredFile } from '../../services/storage.js';
import { auditFor, type CommandContext } from '../../context.js';
import { evidenceFor } from '../../queries/evidence/access.js';
import { appendFindingEvent } from '../../events/log.js';

/** Delete an evidence item: the row (with its audit entry) first, then its files once that committed. */
export async function removeEvidence(deps: AppDeps, ctx: CommandContext, id: string): Promise<void> {
  const { row } = await evidenceFor(deps, ctx, id, 'evidence.manage');
  const files = await deps.db.transaction().execute(async (trx) => {
    await lockEvidence(trx, row.finding_id, id);
    const current = await findEvidence(trx, id);
    if (!current) throw notFound();
    await deleteEvidenceRow(trx, id);
    await appendFindingEvent(trx, row.finding_id, 'finding:updated', deps.clock());
    await writeAudit(
      trx,
      auditFor(ctx, row.client_id),
      {
        action: 'evidence.deleted',
        outcome: 'success',
        targetType: 'evidence',
        targetId: id,
        details: { findingId: row.finding_id, name: row.original_name },
      },
      deps.clock(),
    );
    return evidenceFiles(current);
  });
  deps.bus.publish('events.appended', {});
  for (const f of files) await deleteStoredFile(deps.config.uploadsDir, f);
}
