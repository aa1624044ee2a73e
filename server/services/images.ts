import sharp from 'sharp';
import { fileTypeFromBuffer } from 'file-type';
import { AppError, badRequest, unprocessable } from '../errors.js';

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

/** The brand's raster formats (no GIF: a logo is still). SVG is handled apart: rasterised, never stored. */
const BRAND_RASTER = new Set(['png', 'jpg', 'webp']);

/** Output sizes (height for logos, side for favicons) at 1× and 2×. */
const BRAND_SIZES = { logo: { x1: 48, x2: 96, maxWidth: 320 }, favicon: { x1: 32, x2: 64 } } as const;

const unsupportedBrandImage = () => new AppError(415, 'unsupported_media_type', 'Upload a PNG, JPEG, WebP or SVG image.');

/**
 * Whether the bytes are an SVG document (text whose first element is `<svg`): file-type does not
 * detect SVG, which is text.
 */
function isSvg(bytes: Buffer): boolean {
  const head = bytes
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const rest = head.replace(/^(\s|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>)*/i, '');
  return /^<svg[\s>]/i.test(rest);
}

/** What an SVG must not contain to be rasterised: script, event handlers, external references, foreign HTML, entities. */
const SVG_DANGERS: [RegExp, string][] = [
  [/<script[\s>/]/i, 'a script'],
  [/\son[a-z]+\s*=/i, 'an event handler'],
  [/<foreignObject[\s>/]/i, 'a foreignObject'],
  [/<!ENTITY/i, 'an entity declaration'],
  [/(?:xlink:)?href\s*=\s*["']\s*(?!#)/i, 'an external reference'],
  [/url\(\s*["']?\s*(?!#)/i, 'an external reference'],
  [/@import/i, 'an external reference'],
  [/javascript:/i, 'a script'],
];

/** Refuse an SVG carrying anything but shapes (422 naming what was found). */
function checkSvg(bytes: Buffer): void {
  const text = bytes.toString('utf8');
  const found = SVG_DANGERS.find(([re]) => re.test(text));
  if (found) throw unprocessable(`This SVG contains ${found[1]}, which is not allowed. Save it as a plain SVG (shapes only) or as a PNG.`);
}

/** A processed brand image: two PNGs with no metadata and the 1× size. */
export interface BrandImage {
  x1: Buffer;
  x2: Buffer;
  width: number;
  height: number;
}

/**
 * Turn an uploaded logo or favicon into two PNGs (1× and 2×) of bounded size, orientation applied
 * and every piece of metadata (EXIF, GPS, XMP, ICC) dropped. The type comes from the bytes: PNG,
 * JPEG, WebP, or an SVG free of script and external references, which is rasterised here and never
 * stored as SVG. The pixel count is read from the header and refused before decoding. Never call
 * this inside a database transaction.
 */
export async function processBrandImage(bytes: Buffer, kind: 'logo' | 'favicon'): Promise<BrandImage> {
  const type = await fileTypeFromBuffer(bytes);
  // file-type calls an SVG with an XML prolog 'xml' (or nothing without one): the text itself decides.
  const svg = (!type || type.ext === 'xml') && isSvg(bytes);
  if (!svg && (!type || !BRAND_RASTER.has(type.ext))) throw unsupportedBrandImage();
  if (svg) checkSvg(bytes);
  try {
    const open = () => sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', pages: 1 });
    const meta = await open().metadata();
    const expected = svg ? 'svg' : type!.ext === 'jpg' ? 'jpeg' : type!.ext;
    if (meta.format !== expected) throw unsupportedBrandImage();
    if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_INPUT_PIXELS) throw tooManyPixels();
    const render = async (size: number) => {
      const img = open().rotate();
      const sized =
        kind === 'logo'
          ? img.resize({ height: size, width: (BRAND_SIZES.logo.maxWidth * size) / BRAND_SIZES.logo.x1, fit: 'inside' })
          : img.resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } });
      return sized.png({ compressionLevel: 9 }).toBuffer({ resolveWithObject: true });
    };
    const sizes = BRAND_SIZES[kind];
    const one = await render(sizes.x1);
    const two = await render(sizes.x2);
    return { x1: one.data, x2: two.data, width: one.info.width, height: one.info.height };
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (/pixel limit/i.test((err as Error).message)) throw tooManyPixels();
    throw badRequest('This image could not be read. It may be damaged; try another file.');
  }
}
