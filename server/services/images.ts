import sharp from 'sharp';
import { fileTypeFromBuffer } from 'file-type';
import { AppError, badRequest } from '../errors.js';

/**
 * Image handling with sharp. Uploaded bytes are judged by their magic bytes (never the name or
 * Content-Type), decoded under a pixel limit, and re-encoded: what we store and serve is always
 * our own WebP with no metadata, never the uploaded file.
 */

/** The raster formats people may upload (no SVG or anything else that can carry script). */
const ALLOWED = new Set(['png', 'jpg', 'webp', 'gif']);

/** Decoding larger images is refused before any pixel is read (sharp trusts the header's size). */
const MAX_INPUT_PIXELS = 25_000_000;

/** Side of the square avatar we store. */
const AVATAR_SIZE = 256;

/** The answer for anything that is not one of the allowed images. */
export const unsupportedImage = () => new AppError(415, 'unsupported_media_type', 'Upload a PNG, JPEG, WebP or GIF image.');

/** The allowed image format the bytes really are, or a 415. */
async function sniffImage(bytes: Buffer): Promise<'png' | 'jpg' | 'webp' | 'gif'> {
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !ALLOWED.has(type.ext)) throw unsupportedImage();
  return type.ext as 'png' | 'jpg' | 'webp' | 'gif';
}

/**
 * Turn an uploaded image into a 256×256 WebP avatar: orientation applied from EXIF, then every
 * piece of metadata dropped (sharp writes none unless asked; we never ask). Only the first frame
 * of an animation is read. Never call this inside a database transaction.
 */
export async function processAvatar(bytes: Buffer): Promise<Buffer> {
  const format = await sniffImage(bytes);
  try {
    const input = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', pages: 1 });
    const meta = await input.metadata();
    // The decoder libvips picked must be the format we sniffed: no loader we did not allow gets these bytes.
    if ((meta.format === 'jpeg' ? 'jpg' : meta.format) !== format) throw unsupportedImage();
    if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_INPUT_PIXELS) throw tooManyPixels();
    return await input.rotate().resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' }).webp({ quality: 82 }).toBuffer();
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (/pixel limit/i.test((err as Error).message)) throw tooManyPixels();
    throw badRequest('This image could not be read. It may be damaged; try another file.');
  }
}

const tooManyPixels = () => badRequest(`This image is too large: at most ${MAX_INPUT_PIXELS / 1_000_000} million pixels (for example 5000 × 5000).`);
