import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { conflict } from '../../errors.js';
import { deleteStoredFile } from '../../services/storage.js';
import { auditFor, type CommandContext } from '../../context.js';
import { readableFinding } from '../../queries/findings/read.js';
import { appendEvent } from '../../events/log.js';
import { lockEventLog, lockRow } from '../../../db/dialect.js';
import { isPublished, stateSql } from '../../policies/access.js';

/**
 * Delete a draft finding (its history and evidence rows go with it; the evidence files are
 * removed after commit). A published finding is refused with 409: unpublish it first, since
 * the client may already have read it.
 */
export async function deleteFinding(deps: AppDeps, ctx: CommandContext, findingId: string): Promise<void> {
  const f = await readableFinding(deps, ctx, findingId, 'finding.manage');
  if (isPublished(f)) throw conflict('This finding is published. Unpublish it before deleting it.');
  const now = deps.clock();
  const files = await deps.db.transaction().execute(async (trx) => {
    // Lock order (docs/transactions.md): the finding, then the event log, then the DELETE. The
    // DELETE's strong lock would block a group-commit batch that holds the event lock and inserts
    // a comment on this draft (its foreign key check) — a deadlock if we waited for the event lock
    // after it. Holding the event lock first, no batch is in flight when the DELETE runs.
    await lockRow(trx, 'findings', findingId);
    await lockEventLog(trx);
    const evidence = await trx
      .selectFrom('evidence')
      .select(['original_file', 'client_file', 'client_thumb_file'])
      .where('finding_id', '=', findingId)
      .execute();
    const r = await trx.deleteFrom('findings').where('id', '=', findingId).where(stateSql.draft('findings')).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw conflict('This finding is published. Unpublish it before deleting it.');
    // A draft: only staff pages knew of it.
    await appendEvent(trx, { clientId: f.client_id, type: 'finding:unpublished', audience: 'staff', entityId: findingId }, now);
    await writeAudit(
      trx,
      auditFor(ctx, f.client_id),
      {
        action: 'finding.deleted',
        outcome: 'success',
        targetType: 'finding',
        targetId: findingId,
        details: { projectId: f.project_id, title: f.title },
      },
      now,
    );
    return evidence.flatMap((e) => [e.original_file, e.client_file, e.client_thumb_file]);
  });
  deps.bus.publish('events.appended', {});
  for (const file of files) {
    await deleteStoredFile(deps.config.uploadsDir, file).catch((err) => deps.logger.warn({ err, findingId }, 'could not delete an evidence file'));
  }
}
