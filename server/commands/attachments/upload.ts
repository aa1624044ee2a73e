import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { AppDeps } from '../../context.js';
import type { AttachmentRow } from '../../../db/schema.js';
import type { AttachmentDTO } from '../../contracts/realtime.js';
import { writeAudit } from '../../audit.js';
import { AppError, notFound } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { requireClientModule } from '../../policies/access.js';
import { presentAttachment } from '../../presenters/collaboration.js';
import { insertAttachment } from '../../repositories/attachments.js';
import { findChatClient } from '../../repositories/chat.js';
import { inspectImage } from '../../services/redaction.js';
import { adoptTempFile, deleteStoredFile, storeFile, type StoredExt } from '../../services/storage.js';
import { checkNameMatches, discardUpload, receiveUpload, sanitiseFileName, sniffFile, type ReceivedUpload, type Sniffed } from '../../services/uploads.js';
import { resolveProfile } from '../../visibility/profile.js';
import { reencodeImage } from '../../services/attachment-image.js';
import { chatChannelFor } from '../../queries/chat/channel.js';
import { auditFor, type CommandContext } from '../../context.js';

/**
 * The allowlist of shared files, judged from the bytes (sniffFile): raster images (re-encoded),
 * PDF, ZIP and plain text (TXT, CSV, LOG… — any valid UTF-8 without NUL bytes). Office documents
 * (DOCX/XLSX) are not in it: the shared sniffing does not tell them apart from ZIPs yet.
 */
const ATTACHMENT_TYPES: readonly StoredExt[] = ['png', 'jpg', 'webp', 'gif', 'pdf', 'zip', 'txt'];

const DESCRIBE: Record<Sniffed['ext'], string> = {
  png: 'a PNG image',
  jpg: 'a JPEG image',
  webp: 'a WebP image',
  gif: 'a GIF image',
  pdf: 'a PDF',
  zip: 'a ZIP archive',
  txt: 'plain text',
};

const unsupportedAttachment = () =>
  new AppError(415, 'unsupported_media_type', 'You can share images (PNG, JPEG, WebP, GIF), PDFs, text files (TXT, CSV, LOG) and ZIP archives.');

export interface AttachmentTarget {
  clientId: string;
  /**
   * 'chat': the viewer must be able to write in the client's channel (chat-access.ts).
   * 'remediation': the viewer must be able to read the client's findings (Findings module on for
   * portal users); the remediation command that attaches it decides who may submit a round.
   */
  purpose: 'chat' | 'remediation';
  /** The person's file name (a label only; also accepted as the 5th argument); defaults to the request's `?name=`. */
  name?: string;
}

/** The access check of an upload, done before a byte of the body is read. */
async function checkUploadAccess(deps: AppDeps, ctx: CommandContext, t: AttachmentTarget) {
  if (t.purpose === 'chat') return (await chatChannelFor(deps, ctx, t.clientId, 'chat.write')).client;
  const { user } = ctx.viewer;
  authorize(user, 'finding.read', { type: 'clientData', clientId: t.clientId });
  const client = await findChatClient(deps.db, t.clientId);
  if (!client) throw notFound();
  requireClientModule(user, client, 'findings');
  return client;
}

/**
 * Receive one file (the raw request body, streamed and size-capped at CHAT_FILE_MAX_MB) as a
 * PENDING attachment owned by the uploader: the message or remediation round that uses it
 * attaches it later (only its uploader can). The type comes from the bytes (a name claiming
 * otherwise is refused); images are re-encoded without metadata and get a thumbnail; files are
 * stored under server-made names. On any failure every file written here is removed.
 */
export async function receiveAttachment(deps: AppDeps, ctx: CommandContext, req: Request, target: AttachmentTarget, name?: string): Promise<AttachmentDTO> {
  const client = await checkUploadAccess(deps, ctx, target);
  const root = deps.config.uploadsDir;
  const mb = Math.round((deps.config.chatFileMaxBytes / (1024 * 1024)) * 10) / 10;
  let upload: ReceivedUpload | null = null;
  const written: string[] = [];
  try {
    upload = await receiveUpload(req, {
      root,
      folder: 'attachments',
      maxBytes: deps.config.chatFileMaxBytes,
      tooLarge: `The file is larger than the ${mb} MB limit.`,
      notAFile: new AppError(415, 'unsupported_media_type', 'Send the file itself as the request body.'),
    });
    const sniffed = await sniffFile(upload.temp, ATTACHMENT_TYPES);
    if (!sniffed) throw unsupportedAttachment();
    const rawName = name ?? target.name ?? (typeof req.query.name === 'string' ? req.query.name : undefined);
    const label = sanitiseFileName(rawName, `file.${sniffed.ext}`);
    checkNameMatches(label, sniffed, DESCRIBE[sniffed.ext]);

    const row: AttachmentRow = {
      id: randomUUID(),
      client_id: client.id,
      uploader_id: ctx.viewer.user.id,
      purpose: target.purpose,
      message_id: null,
      round_id: null,
      kind: sniffed.kind,
      file: '',
      thumb_file: null,
      original_name: label,
      mime: sniffed.mime,
      size: upload.size,
      width: null,
      height: null,
      created_at: deps.clock(),
    };
    if (sniffed.kind === 'image') {
      await inspectImage(upload.temp, sniffed.ext);
      const img = await reencodeImage(upload.temp, sniffed.ext);
      row.file = await storeFile(root, 'attachments', img.ext, img.file);
      written.push(row.file);
      row.thumb_file = await storeFile(root, 'attachments', 'webp', img.thumb);
      written.push(row.thumb_file);
      Object.assign(row, { mime: img.mime, size: img.file.length, width: img.width, height: img.height });
      await discardUpload(upload);
    } else {
      row.file = await adoptTempFile(root, 'attachments', sniffed.ext, upload.temp);
      written.push(row.file);
    }

    await deps.db.transaction().execute(async (trx) => {
      await insertAttachment(trx, row);
      await writeAudit(
        trx,
        auditFor(ctx, client.id),
        {
          action: 'attachment.uploaded',
          outcome: 'success',
          targetType: 'attachment',
          targetId: row.id,
          details: { purpose: row.purpose, kind: row.kind, mime: row.mime, bytes: row.size, name: label },
        },
        row.created_at,
      );
    });
    return presentAttachment(row, resolveProfile(ctx.viewer, client));
  } catch (err) {
    await discardUpload(upload);
    for (const f of written) await deleteStoredFile(root, f);
    throw err;
  }
}
