import type { AppDeps } from '../../context.js';
import type { EvidenceDTO } from '../../contracts/workspace.js';
import type { RedactionsInput } from '../../contracts/evidence.js';
import { writeAudit } from '../../audit.js';
import { badRequest, notFound, validationFailed } from '../../errors.js';
import { presentEvidence } from '../../presenters/workspace.js';
import { STAFF_PROFILE } from '../../visibility/profile.js';
import { findEvidence, lockEvidence, updateEvidenceRow } from '../../repositories/evidence.js';
import { rectangleProblems, renderClientCopies } from '../../services/redaction.js';
import { deleteStoredFile, storeFile, storedPath } from '../../services/storage.js';
import { auditFor, type CommandContext } from '../../context.js';
import { evidenceFor } from '../../queries/evidence/access.js';
import { appendFindingEvent } from '../../events/log.js';

/**
 * Replace an image's redactions: a new client copy and thumbnail are rendered from the ORIGINAL
 * with the rectangles burned in (so removing a rectangle really brings its pixels back, and
 * adding one really destroys them in what the client receives). The new files are written
 * before the transaction; the previous client files are deleted only after it commits.
 */
export async function redactEvidence(deps: AppDeps, ctx: CommandContext, id: string, input: RedactionsInput): Promise<EvidenceDTO> {
  const root = deps.config.uploadsDir;
  const { row } = await evidenceFor(deps, ctx, id, 'evidence.manage');
  if (row.kind !== 'image' || row.width === null || row.height === null) throw badRequest('Only images can be redacted.');
  const size = { width: row.width, height: row.height };
  const problems = rectangleProblems(input.rectangles, size);
  if (problems.length) throw validationFailed(problems[0]!.message, problems);
  const source = storedPath(root, row.original_file);
  if (!source) throw notFound();

  const copies = await renderClientCopies(source, size, input.rectangles);
  const file = await storeFile(root, 'evidence', 'png', copies.file);
  const thumb = await storeFile(root, 'evidence', 'png', copies.thumb).catch(async (err) => {
    await deleteStoredFile(root, file);
    throw err;
  });

  let replaced: string[];
  try {
    replaced = await deps.db.transaction().execute(async (trx) => {
      // The row before the event log's lock (docs/transactions.md, "Lock order"), and the files
      // it replaces read after that lock: of two redactions at once, the second replaces (and
      // deletes) the first one's copies rather than leaving them on disk.
      await lockEvidence(trx, row.finding_id, id);
      const current = await findEvidence(trx, id);
      if (!current) throw notFound();
      await updateEvidenceRow(trx, id, { redactions: JSON.stringify(input.rectangles), client_file: file, client_thumb_file: thumb });
      await appendFindingEvent(trx, row.finding_id, 'finding:updated', deps.clock());
      await writeAudit(
        trx,
        auditFor(ctx, row.client_id),
        {
          action: 'evidence.redacted',
          outcome: 'success',
          targetType: 'evidence',
          targetId: id,
          details: { rectangles: input.rectangles.length },
        },
        deps.clock(),
      );
      return [current.client_file, current.client_thumb_file].filter((f): f is string => !!f && f !== current.original_file);
    });
    deps.bus.publish('events.appended', {});
  } catch (err) {
    await deleteStoredFile(root, file);
    await deleteStoredFile(root, thumb);
    throw err;
  }
  for (const f of replaced) await deleteStoredFile(root, f);
  return presentEvidence({ ...row, redactions: JSON.stringify(input.rectangles), client_file: file, client_thumb_file: thumb }, STAFF_PROFILE);
}
