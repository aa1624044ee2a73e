import sharp from 'sharp';
import { AppError, badRequest } from '../errors.js';

/**
 * Evidence images: checking an upload, and making the copies a client may see. The original is
 * kept as uploaded (staff only); every client-visible image is rebuilt here from it by sharp:
 * turned upright, redaction rectangles burned into its pixels as solid fill, re-encoded as PNG
 * (lossless, so the fill stays exactly the fill colour) with no metadata at all (sharp writes none
 * unless asked to keep it; we never ask). There are no layers: a redacted pixel is gone.
 */

/** Decoding a larger image is refused from its header, before any pixel is read. */
export const MAX_EVIDENCE_PIXELS = 40_000_000;
/** Width of the thumbnail (never enlarged). */
export const THUMB_WIDTH = 400;
/** The colour burned into redacted areas. */
const REDACTION_FILL = { r: 0, g: 0, b: 0, alpha: 1 } as const;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ClientCopies {
  file: Buffer;
  thumb: Buffer;
}

const open = (path: string) => sharp(path, { limitInputPixels: MAX_EVIDENCE_PIXELS, failOn: 'error', pages: 1, animated: false });

const tooManyPixels = () => badRequest(`This image is too large: at most ${MAX_EVIDENCE_PIXELS / 1_000_000} million pixels (for example 8000 × 5000).`);
const unreadable = () => badRequest('This image could not be read. It may be damaged; try another file.');

/** sharp's own errors become clear 4xx answers; anything of ours passes through. */
function translate(err: unknown): never {
  if (err instanceof AppError) throw err;
  if (/pixel limit/i.test((err as Error).message)) throw tooManyPixels();
  throw unreadable();
}

/**
 * Check an uploaded image before keeping it: the decoder sharp picks must be the format the bytes
 * were sniffed as (no other loader gets them), and its pixel count is within the limit (judged
 * from the header, so a pixel flood is refused in milliseconds). Returns the upright size, the
 * coordinate space of redaction rectangles.
 */
export async function inspectImage(path: string, sniffed: 'png' | 'jpg' | 'webp' | 'gif'): Promise<{ width: number; height: number }> {
  try {
    const meta = await open(path).metadata();
    if ((meta.format === 'jpeg' ? 'jpg' : meta.format) !== sniffed) throw unreadable();
    const width = meta.autoOrient?.width ?? meta.width ?? 0;
    const height = meta.autoOrient?.height ?? meta.height ?? 0;
    if (!width || !height) throw unreadable();
    if (width * height > MAX_EVIDENCE_PIXELS) throw tooManyPixels();
    return { width, height };
  } catch (err) {
    translate(err);
  }
}

/** Solid fill boxes for sharp's composite. */
const boxes = (rects: Rect[]) =>
  rects.map((r) => ({ input: { create: { width: r.w, height: r.h, channels: 4 as const, background: REDACTION_FILL } }, left: r.x, top: r.y }));

/** A rectangle in thumbnail pixels, rounded outwards so it covers every pixel it touches. */
function scaled(r: Rect, s: number, tw: number, th: number): Rect | null {
  const x0 = Math.max(0, Math.floor(r.x * s));
  const y0 = Math.max(0, Math.floor(r.y * s));
  const x1 = Math.min(tw, Math.ceil((r.x + r.w) * s));
  const y1 = Math.min(th, Math.ceil((r.y + r.h) * s));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}

/**
 * Make the client copy and its thumbnail from the original, with `rects` (upright original
 * pixels, already validated) burned in. The thumbnail is scaled from the redacted copy and the
 * rectangles are burned in again at thumbnail scale, so resampling can never bring back a
 * blend of hidden pixels at their edges. Never call this inside a database transaction.
 */
export async function renderClientCopies(path: string, size: { width: number; height: number }, rects: Rect[]): Promise<ClientCopies> {
  try {
    // sharp applies the orientation before compositing, so the rectangles land where the analyst drew them.
    const { data: file, info } = await open(path).rotate().composite(boxes(rects)).png({ compressionLevel: 6 }).toBuffer({ resolveWithObject: true });
    const { width, height } = info;
    if (width !== size.width || height !== size.height) throw unreadable();
    const tw = Math.min(THUMB_WIDTH, width);
    const th = Math.max(1, Math.round((height * tw) / width));
    const s = tw / width;
    const thumbBoxes = rects.map((r) => scaled(r, s, tw, th)).filter((r): r is Rect => r !== null);
    const small = await sharp(file).resize(tw, th, { fit: 'fill' }).png().toBuffer();
    const thumb = await sharp(small).composite(boxes(thumbBoxes)).png({ compressionLevel: 9 }).toBuffer();
    return { file, thumb };
  } catch (err) {
    translate(err);
  }
}

/** Problems with a list of rectangles for an image of this size (empty = all fine). */
export function rectangleProblems(rects: Rect[], size: { width: number; height: number }): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  rects.forEach((r, i) => {
    if (r.x + r.w > size.width || r.y + r.h > size.height) {
      problems.push({ path: `rectangles.${i}`, message: `Rectangle ${i + 1} goes outside the ${size.width} × ${size.height} image.` });
    }
  });
  return problems;
}
