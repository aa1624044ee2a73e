import sharp from 'sharp';
import { AppError, badRequest } from '../errors.js';
import { MAX_EVIDENCE_PIXELS } from './redaction.js';
import type { StoredExt } from './storage.js';

/**
 * Shared images (chat, remediation evidence): what is stored and served is never the uploaded
 * file but sharp's re-encoding of it — turned upright from its EXIF orientation, first frame only,
 * and without any metadata (sharp writes none unless asked; we never ask), so GPS positions,
 * camera serials and comments do not travel. Plus a small WebP thumbnail. Never call this inside
 * a database transaction.
 */

/** The longest side of a thumbnail (never enlarged). */
const ATTACHMENT_THUMB = 400;

export interface ReencodedImage {
  file: Buffer;
  ext: StoredExt;
  mime: string;
  thumb: Buffer;
  width: number;
  height: number;
}

const OUT: Record<'png' | 'jpg' | 'webp' | 'gif', { ext: StoredExt; mime: string }> = {
  png: { ext: 'png', mime: 'image/png' },
  jpg: { ext: 'jpg', mime: 'image/jpeg' },
  webp: { ext: 'webp', mime: 'image/webp' },
  // A GIF becomes a PNG of its first frame (no animation to carry anything along).
  gif: { ext: 'png', mime: 'image/png' },
};

const open = (path: string) => sharp(path, { limitInputPixels: MAX_EVIDENCE_PIXELS, failOn: 'error', pages: 1, animated: false });

/** Re-encode an uploaded image (already sniffed and checked with inspectImage) and make its thumbnail. */
export async function reencodeImage(path: string, sniffed: 'png' | 'jpg' | 'webp' | 'gif'): Promise<ReencodedImage> {
  try {
    const out = OUT[sniffed];
    const upright = open(path).rotate();
    const encoded =
      out.ext === 'jpg' ? upright.jpeg({ quality: 88 }) : out.ext === 'webp' ? upright.webp({ quality: 88 }) : upright.png({ compressionLevel: 6 });
    const { data: file, info } = await encoded.toBuffer({ resolveWithObject: true });
    const thumb = await sharp(file).resize(ATTACHMENT_THUMB, ATTACHMENT_THUMB, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    return { file, ext: out.ext, mime: out.mime, thumb, width: info.width, height: info.height };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw badRequest('This image could not be read. It may be damaged; try another file.');
  }
}
