import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../context.js';
import type { EvidenceRow } from '../../../db/schema.js';
import type { EvidenceDTO } from '../../contracts/workspace.js';
import { writeAudit } from '../../audit.js';
import { AppError, notFound } from '../../errors.js';
import { presentEvidence } from '../../presenters/workspace.js';
import { STAFF_PROFILE } from '../../visibility/profile.js';
import { findFindingRef, insertEvidence } from '../../repositories/evidence.js';
import { inspectImage, renderClientCopies } from '../../services/redaction.js';
import { adoptTempFile, deleteStoredFile, storeFile, type StoredExt } from '../../services/storage.js';
import { checkNameMatches, discardUpload, sanitiseFileName, sniffFile, type ReceivedUpload, type Sniffed } from '../../services/uploads.js';
import { auditFor, type CommandContext } from '../../context.js';
import { findingForEvidence } from '../../queries/evidence/access.js';
import { appendFindingEvent } from '../../events/log.js';
import { lockRow } from '../../../db/dialect.js';

/** What evidence may be: raster images (redactable), and PDF, ZIP and plain-text files. */
const EVIDENCE_TYPES: readonly StoredExt[] = ['png', 'jpg', 'webp', 'gif', 'pdf', 'zip', 'txt'];

const unsupportedEvidence = () =>
  new AppError(415, 'unsupported_media_type', 'Evidence must be an image (PNG, JPEG, WebP or GIF), a PDF, a ZIP archive or a plain-text file.');

const DESCRIBE: Record<Sniffed['ext'], string> = {
  png: 'a PNG image',
  jpg: 'a JPEG image',
  webp: 'a WebP image',
  gif: 'a GIF image',
  pdf: 'a PDF',
  zip: 'a ZIP archive',
  txt: 'plain text',
};

/**
 * Check that the viewer may add evidence to the finding (404 / 403) — call before reading the
 * body, so a refused upload costs nothing.
 */
export async function checkEvidenceUpload(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, findingId: string): Promise<void> {
  await findingForEvidence(deps, ctx, findingId, 'evidence.manage');
}

/**
 * Add a received file to a finding. The type comes from the bytes (a name saying otherwise is
 * refused); an image is checked under the pixel limit and gets a client copy and thumbnail
 * (re-encoded, upright, metadata-free) at once. sharp and the file writes happen before the
 * transaction; the row and its audit entry commit together; on any failure every file written
 * here is removed again.
 */
export async function addEvidence(
  deps: AppDeps,
  ctx: CommandContext,
  findingId: string,
  upload: ReceivedUpload,
  meta: { name?: string; caption?: string },
): Promise<EvidenceDTO> {
  const root = deps.config.uploadsDir;
  const written: string[] = [];
  try {
    const { finding } = await findingForEvidence(deps, ctx, findingId, 'evidence.manage');
    const sniffed = await sniffFile(upload.temp, EVIDENCE_TYPES);
    if (!sniffed) throw unsupportedEvidence();
    const label = sanitiseFileName(meta.name, `evidence.${sniffed.ext}`);
    checkNameMatches(label, sniffed, DESCRIBE[sniffed.ext]);

    const size = sniffed.kind === 'image' ? await inspectImage(upload.temp, sniffed.ext) : null;
    const copies = size ? await renderClientCopies(upload.temp, size, []) : null;
    const original = await adoptTempFile(root, 'evidence', sniffed.ext, upload.temp);
    written.push(original);
    let clientFile = original;
    let thumbFile: string | null = null;
    if (copies) {
      clientFile = await storeFile(root, 'evidence', 'png', copies.file);
      written.push(clientFile);
      thumbFile = await storeFile(root, 'evidence', 'png', copies.thumb);
      written.push(thumbFile);
    }

    const now = deps.clock();
    const row: EvidenceRow = {
      id: randomUUID(),
      finding_id: finding.id,
      client_id: finding.client_id,
      kind: sniffed.kind,
      original_file: original,
      original_name: label,
      mime: sniffed.mime,
      size: upload.size,
      width: size?.width ?? null,
      height: size?.height ?? null,
      client_file: clientFile,
      client_thumb_file: thumbFile,
      redactions: '[]',
      caption: meta.caption ?? '',
      shared: 0,
      created_by: ctx.viewer.user.id,
      created_at: now,
    };
    await deps.db.transaction().execute(async (trx) => {
      // The finding may have been deleted while the image was being processed. Locked first (its
      // row before the event log's lock, docs/transactions.md): a delete that committed while we
      // waited is a 404 here, not a foreign-key violation at the insert.
      await lockRow(trx, 'findings', finding.id);
      if (!(await findFindingRef(trx, finding.id))) throw notFound();
      await insertEvidence(trx, row);
      await appendFindingEvent(trx, finding.id, 'finding:updated', now);
      await writeAudit(
        trx,
        auditFor(ctx, finding.client_id),
        {
          action: 'evidence.uploaded',
          outcome: 'success',
          targetType: 'evidence',
          targetId: row.id,
          details: { findingId: finding.id, kind: row.kind, mime: row.mime, bytes: row.size, name: label },
        },
        now,
      );
    });
    deps.bus.publish('events.appended', {});
    return presentEvidence(row, STAFF_PROFILE);
  } catch (err) {
    await discardUpload(upload);
    for (const f of written) await deleteStoredFile(root, f);
    throw err;
  }
}
