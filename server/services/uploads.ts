import { createHash } from 'node:crypto';
import { open, readFile, rm } from 'node:fs/promises';
import type { Request } from 'express';
import { fileTypeFromFile } from 'file-type';
import { AppError, badRequest, payloadTooLarge } from '../errors.js';
import { tempFileIn, type StorageFolder, type StoredExt } from './storage.js';

/**
 * Receiving uploaded files and describing them safely. A file is the raw request body (no
 * multipart parser to crash): it is streamed to a temporary file with its size capped and its
 * SHA-256 computed on the way; its type is then judged from its bytes only. The person's file name
 * is a label (sanitised, length-capped) and never part of a path.
 */

/** A body received into a temporary file (delete it with `discardUpload` unless adopted). */
export interface ReceivedUpload {
  temp: string;
  size: number;
  sha256: string;
}

export interface ReceiveOptions {
  root: string;
  folder: StorageFolder;
  maxBytes: number;
  /** The 413 message, e.g. "The file is larger than 25 MB." */
  tooLarge: string;
  /** The 415 for a body that is not a file at all (a JSON or form body the API already parsed). */
  notAFile: AppError;
}

/**
 * Stream the request body into a temporary file. Over the limit → 413 before the rest is read (a
 * declared Content-Length is refused before reading a byte); an empty body → 400. The connection
 * is closed after such a refusal, so the unread remainder is never consumed.
 */
export async function receiveUpload(req: Request, o: ReceiveOptions): Promise<ReceivedUpload> {
  if (req.body !== undefined) throw o.notAFile;
  const declared = Number(req.get('content-length') ?? NaN);
  if (declared > o.maxBytes) throw refuseRest(req, payloadTooLarge(o.tooLarge));
  const hash = createHash('sha256');
  let size = 0;
  let temp: string | null = null;
  try {
    temp = await tempFileIn(o.root, o.folder);
    const file = await open(temp, 'wx', 0o600);
    try {
      // destroyOnReturn false: leaving the loop early must not tear down the connection before the 413 is sent.
      for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > o.maxBytes) throw payloadTooLarge(o.tooLarge);
        hash.update(chunk);
        await file.write(chunk);
      }
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (err) {
    // Failed mid-stream (too big, a full disk, the client gone): the temporary file goes, and the
    // unread rest of the body is refused, so the connection closes at once instead of hanging.
    if (temp) await rm(temp, { force: true });
    throw refuseRest(req, err);
  }
  if (size === 0) {
    await rm(temp, { force: true });
    throw badRequest('Choose a file to upload.');
  }
  return { temp, size, sha256: hash.digest('hex') };
}

/**
 * Refuse the rest of a body: the connection is closed once the answer is sent (so the remainder
 * is never read to its end); until then incoming bytes are discarded, so the client can still
 * receive the answer instead of a reset.
 */
function refuseRest<E>(req: Request, err: E): E {
  req.res?.setHeader('Connection', 'close');
  req.resume();
  return err;
}

/** Remove a received temporary file (a refused or failed upload). */
export async function discardUpload(upload: Pick<ReceivedUpload, 'temp'> | null | undefined): Promise<void> {
  if (upload) await rm(upload.temp, { force: true });
}

/** What the bytes of an upload really are. */
export type Sniffed = { kind: 'image'; ext: 'png' | 'jpg' | 'webp' | 'gif'; mime: string } | { kind: 'file'; ext: 'pdf' | 'zip' | 'txt'; mime: string };

const IMAGE_MIME = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' } as const;
const FILE_MIME = { pdf: 'application/pdf', zip: 'application/zip', txt: 'text/plain' } as const;

/** The name extensions that may go with each detected type (a different extension is refused). */
const NAME_EXTS: Record<StoredExt, readonly string[]> = {
  png: ['png'],
  jpg: ['jpg', 'jpeg', 'jpe', 'jfif'],
  webp: ['webp'],
  gif: ['gif'],
  pdf: ['pdf'],
  zip: ['zip'],
  txt: ['txt', 'log', 'csv', 'tsv', 'md', 'json', 'xml', 'yaml', 'yml', 'nmap', 'gnmap'],
};

/**
 * The type of a received file from its bytes (file-type's magic numbers; plain text = valid
 * UTF-8 without NUL bytes), or null when it is none of `allowed`. The name and Content-Type are
 * never consulted.
 */
export async function sniffFile(path: string, allowed: readonly StoredExt[]): Promise<Sniffed | null> {
  const type = await fileTypeFromFile(path);
  const ext = type?.ext === 'jpg' ? 'jpg' : type?.ext;
  if (ext && (allowed as readonly string[]).includes(ext)) {
    if (ext in IMAGE_MIME) return { kind: 'image', ext: ext as keyof typeof IMAGE_MIME, mime: IMAGE_MIME[ext as keyof typeof IMAGE_MIME] };
    if (ext === 'pdf' && !(await hasPdfTrailer(path))) return null;
    if (ext === 'pdf' || ext === 'zip') return { kind: 'file', ext, mime: FILE_MIME[ext] };
  }
  if (!type && allowed.includes('txt') && isPlainText(await readFile(path))) return { kind: 'file', ext: 'txt', mime: FILE_MIME.txt };
  return null;
}

/**
 * A PDF starts with `%PDF-` (what file-type checks) and ends with `%%EOF` within its last 1 KB
 * (where readers look for it): a text file that merely begins with "%PDF" is not a report.
 */
async function hasPdfTrailer(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const tail = Buffer.alloc(Math.min(1024, size));
    await file.read(tail, 0, tail.length, size - tail.length);
    return tail.includes('%%EOF');
  } finally {
    await file.close();
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Valid UTF-8 with no NUL byte (binary formats almost always contain one). */
export function isPlainText(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The extension of a file name as people would read it (letters first, at most 10 characters), or null. */
function nameExtension(name: string): string | null {
  const m = /\.([a-z][a-z0-9]{0,9})$/i.exec(name);
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * Refuse a name whose extension says something else than the bytes (a PDF called `.jpg`, a script
 * called `.php`): 415 with a message naming both. A name without an extension is fine.
 */
export function checkNameMatches(name: string, sniffed: Pick<Sniffed, 'ext'>, describe: string): void {
  const ext = nameExtension(name);
  if (ext && !NAME_EXTS[sniffed.ext].includes(ext)) {
    throw new AppError(
      415,
      'unsupported_media_type',
      `The file name ends in .${ext}, but the file is ${describe}. Rename it to .${sniffed.ext} and try again.`,
    );
  }
}

/** Characters that are never kept in a label: controls, and the invisible ones that reorder or hide text. */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * A person's file name reduced to a harmless label: the last path segment only, no control,
 * bidirectional or zero-width characters, no leading dots or spaces (in any mix), at most 200
 * characters (keeping the extension), or `fallback` when nothing is left.
 */
export function sanitiseFileName(raw: unknown, fallback: string): string {
  if (typeof raw !== 'string') return fallback;
  let name = raw.normalize('NFC').replace(INVISIBLE, '');
  name = name
    .split(/[\\/]/)
    .pop()!
    .replace(/\s+/g, ' ')
    .replace(/^[ .]+/, '')
    .trim();
  if (!name) return fallback;
  if (name.length > 200) {
    const ext = nameExtension(name);
    name = ext ? `${name.slice(0, 199 - ext.length).trimEnd()}.${ext}` : name.slice(0, 200);
  }
  return name;
}

/**
 * `name` with `.ext` added unless it already ends in an extension that goes with that type
 * (download names always show their type: `notes.log` stays, `scan` becomes `scan.pdf`).
 */
export function withExtension(name: string, ext: string, accepted: readonly string[] = NAME_EXTS[ext as StoredExt] ?? [ext]): string {
  const current = nameExtension(name);
  return current && accepted.includes(current) ? name : `${name}.${ext}`;
}

/**
 * An RFC 6266 Content-Disposition value: a quoted ASCII fallback (only safe characters; quotes,
 * backslashes, separators and anything non-ASCII become `_`) and the exact name as RFC 5987
 * `filename*`. No CR/LF or quote can reach the header.
 */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const clean = sanitiseFileName(name, 'download');
  const ascii =
    clean
      .replace(/[^A-Za-z0-9 ._()+,=@-]/g, '_')
      .replace(/_+/g, '_')
      .replace(/^[ .]+/, '') || 'download';
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Headers every served user file carries: its stored type, no sniffing, a sandbox, never cached by a shared cache. */
export function fileHeaders(mime: string, disposition: string, size: number, cache: string): Record<string, string> {
  return {
    'Content-Type': mime.startsWith('text/') ? `${mime}; charset=utf-8` : mime,
    'Content-Length': String(size),
    'Content-Disposition': disposition,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': cache,
  };
}
