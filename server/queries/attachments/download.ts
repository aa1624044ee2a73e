import type { FileHandle } from 'node:fs/promises';
import type { AppDeps } from '../../context.js';
import type { AttachmentRow } from '../../../db/schema.js';
import { notFound } from '../../errors.js';
import { requireSees, requireSeesAt } from '../../policies/access.js';
import { findAttachment } from '../../repositories/attachments.js';
import { findChatClient } from '../../repositories/chat.js';
import { openStoredFile } from '../../services/storage.js';
import { contentDisposition, fileHeaders, withExtension } from '../../services/uploads.js';
import type { CommandContext } from '../../context.js';

/** The two files of an attachment: the file itself (re-encoded for images) and an image's thumbnail. */
export type AttachmentVariant = 'file' | 'thumb';

/**
 * Whether the viewer may download this attachment. A pending one (not yet attached to anything)
 * only by its uploader. A chat file: whoever may see the chat channel (`policies/access.ts`);
 * never once its message is deleted. A remediation file: whoever may see the round's finding.
 * Everyone else: 404 (never a hint that it exists); a portal user of the right client with the
 * module off: 403 `module_disabled`.
 */
async function attachmentFor(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, id: string): Promise<AttachmentRow> {
  const { user } = ctx.viewer;
  const a = await findAttachment(deps.db, id);
  if (!a) throw notFound();
  const pending = a.message_id === null && a.round_id === null;
  if (pending) {
    if (a.uploader_id !== user.id) throw notFound();
    return a;
  }
  if (user.kind === 'portal' && a.client_id !== user.client_id) throw notFound();
  const client = await findChatClient(deps.db, a.client_id);
  if (!client) throw notFound();
  if (a.purpose === 'chat') {
    const m = await deps.db.selectFrom('chat_messages').select(['deleted_at', 'client_id']).where('id', '=', a.message_id!).executeTakeFirst();
    if (!m || m.deleted_at !== null || m.client_id !== a.client_id) throw notFound();
    requireSees(user, 'chat', client);
    return a;
  }
  // Remediation evidence: visible with its round's finding.
  const f = a.round_id
    ? await deps.db
        .selectFrom('remediation_rounds')
        .innerJoin('findings', 'findings.id', 'remediation_rounds.finding_id')
        .select(['findings.published', 'findings.client_id'])
        .where('remediation_rounds.id', '=', a.round_id)
        .executeTakeFirst()
    : undefined;
  if (!f || f.client_id !== a.client_id) throw notFound();
  requireSeesAt(user, 'finding', client, f);
  return a;
}

/** An opened attachment file, ready to send. */
export interface AttachmentFile {
  handle: FileHandle;
  headers: Record<string, string>;
  clientId: string;
}

/**
 * Open one variant for the viewer, with the headers to send it under: the stored type, inline for
 * images (our own re-encoding) and as a download for everything else, a safe file name, nosniff,
 * a sandbox, and never kept by a shared cache.
 */
export async function openAttachmentFile(
  deps: Pick<AppDeps, 'db' | 'config'>,
  ctx: CommandContext,
  id: string,
  variant: AttachmentVariant,
): Promise<AttachmentFile> {
  const a = await attachmentFor(deps, ctx, id);
  const stored = variant === 'thumb' ? a.thumb_file : a.file;
  const handle = stored ? await openStoredFile(deps.config.uploadsDir, stored) : null;
  if (!handle || !stored) throw notFound();
  const { size } = await handle.stat();
  const ext = stored.split('.').pop()!;
  const isImage = a.kind === 'image';
  const mime = variant === 'thumb' ? 'image/webp' : a.mime;
  const base = a.original_name.replace(/\.[a-z0-9]{1,10}$/i, '');
  const name = variant === 'thumb' ? `${base}-thumb.webp` : isImage ? withExtension(base, ext, [ext]) : withExtension(a.original_name, ext);
  const disposition = contentDisposition(isImage ? 'inline' : 'attachment', name);
  return { handle, headers: fileHeaders(mime, disposition, size, 'private, no-store'), clientId: a.client_id };
}
