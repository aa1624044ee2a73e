import type { FileHandle } from 'node:fs/promises';
import type { AppDeps } from '../../context.js';
import { notFound } from '../../errors.js';
import { openStoredFile } from '../../services/storage.js';
import { contentDisposition, fileHeaders, withExtension } from '../../services/uploads.js';
import type { CommandContext } from '../../context.js';
import { evidenceFor } from './access.js';

/** The three files of an evidence item: the client copy, its thumbnail, and the staff-only original. */
export type EvidenceVariant = 'file' | 'thumb' | 'original';
export const EVIDENCE_VARIANTS: readonly EvidenceVariant[] = ['file', 'thumb', 'original'];

/** An opened evidence file, ready to send. */
export interface EvidenceFile {
  handle: FileHandle;
  headers: Record<string, string>;
  clientId: string;
}

/**
 * Open one variant of an evidence item for the viewer (see evidence-access.ts for who may), with
 * the headers to send it under: its stored type, inline for images and attachment otherwise, a
 * safe file name, nosniff, a sandbox, and never cached beyond this browser (never at all for originals).
 */
export async function openEvidenceFile(deps: Pick<AppDeps, 'db' | 'config'>, ctx: CommandContext, id: string, variant: EvidenceVariant): Promise<EvidenceFile> {
  const { row } = await evidenceFor(deps, ctx, id, variant === 'original' ? 'evidence.readOriginal' : 'evidence.read');
  const stored = variant === 'original' ? row.original_file : variant === 'thumb' ? row.client_thumb_file : row.client_file;
  const handle = stored ? await openStoredFile(deps.config.uploadsDir, stored) : null;
  if (!handle || !stored) throw notFound();
  const { size } = await handle.stat();
  const isImage = row.kind === 'image';
  // The client copy of an image is our own PNG; the original and other files keep their sniffed type.
  const mime = isImage && variant !== 'original' ? 'image/png' : row.mime;
  const base = row.original_name.replace(/\.[a-z0-9]{1,10}$/i, '');
  const name =
    isImage && variant !== 'original' ? `${base}${variant === 'thumb' ? '-thumb' : ''}.png` : withExtension(row.original_name, stored.split('.').pop()!);
  const disposition = contentDisposition(isImage ? 'inline' : 'attachment', name);
  const cache = 'private, no-store';
  return { handle, headers: fileHeaders(mime, disposition, size, cache), clientId: row.client_id };
}
