import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files under the uploads folder. The server names everything: a fixed folder per kind of file
 * and a random name (the person's file name is never used for a path), so path traversal cannot
 * happen. Files are never served statically; routes read them after an access check.
 */

/** The folders the server stores into. Adding one is a code change, never user input. */
export type StorageFolder = 'avatars' | 'evidence' | 'reports' | 'attachments' | 'brand';

/** The extensions a stored file may have (chosen by the server from the sniffed type). */
export type StoredExt = 'webp' | 'png' | 'jpg' | 'gif' | 'pdf' | 'txt' | 'zip';

/** What a stored file is called in the database: `<folder>/<32 hex>.<ext>`. */
const STORED_NAME = /^(avatars|evidence|reports|attachments)\/[0-9a-f]{32}\.(webp|png|jpg|gif|pdf|txt|zip)$/;
/** Brand images are named by their content: `brand/<sha256 hex>.png`. */
const BRAND_NAME = /^brand\/[0-9a-f]{64}\.png$/;

/** The absolute path of a stored name, or null when the name is not one the server could have made. */
function resolveStored(root: string, stored: string): string | null {
  if (!STORED_NAME.test(stored) && !BRAND_NAME.test(stored)) return null;
  const full = path.resolve(root, stored);
  return full.startsWith(path.resolve(root) + path.sep) ? full : null;
}

/**
 * Check at start that the uploads folder can be written and renamed in, as every upload needs
 * (several instances share it: a read-only or foreign mount must stop start-up, not the first upload).
 */
export async function checkUploadsFolder(root: string): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const probe = path.join(root, `.write-check-${randomBytes(8).toString('hex')}`);
  try {
    await writeFile(probe, 'ok', { flush: true });
    await rename(probe, `${probe}-renamed`);
  } finally {
    await rm(probe, { force: true });
    await rm(`${probe}-renamed`, { force: true });
  }
}

/** Write `data` to `final` atomically: a temporary file in the same (private) folder, flushed, then renamed into place. */
async function writeAtomically(final: string, data: Buffer): Promise<void> {
  const dir = path.dirname(final);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
  try {
    await writeFile(temp, data, { mode: 0o600, flush: true });
    await rename(temp, final);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Write `data` under a fresh random name and return that name (relative to `root`). The write is
 * atomic: a temporary file in the same folder, flushed, then renamed into place, so a reader
 * never sees half a file and a crash leaves no file under the final name.
 */
export async function storeFile(root: string, folder: StorageFolder, ext: StoredExt, data: Buffer): Promise<string> {
  const name = `${folder}/${randomBytes(16).toString('hex')}.${ext}`;
  await writeAtomically(resolveStored(root, name)!, data);
  return name;
}

/**
 * Store a brand PNG under its content hash (`brand/<sha256>.png`) and return that name. Storing the
 * same bytes twice leaves one file; a file once stored never changes (its URL is cached forever),
 * and every instance sharing the uploads folder finds it.
 */
export async function storeContentAddressed(root: string, data: Buffer): Promise<{ name: string; sha256: string }> {
  const sha256 = createHash('sha256').update(data).digest('hex');
  const name = `brand/${sha256}.png`;
  await writeAtomically(resolveStored(root, name)!, data);
  return { name, sha256 };
}

/** Read a stored file, or null when it is missing (or the name is not one of ours). */
export async function readStoredFile(root: string, stored: string): Promise<Buffer | null> {
  const full = resolveStored(root, stored);
  if (!full) return null;
  try {
    return await readFile(full);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A backup stages the uploads it archives in a folder of the uploads root named with this prefix (db/archive.ts). */
export const BACKUP_STAGING_PREFIX = '.backup-';

/**
 * A staging folder being removed is renamed with this prefix first (atomic): no longer a staging
 * folder, so no deleted file is linked into it while its tree is removed (which then failed with
 * ENOTEMPTY), and a deletion that listed it just before can't make it again.
 */
const REMOVED_STAGING_PREFIX = '.removed-backup-';

/** Remove a backup's staging folder (a missing one is fine). */
export async function removeBackupStaging(dir: string): Promise<void> {
  const gone = path.join(path.dirname(dir), `${REMOVED_STAGING_PREFIX}${path.basename(dir).slice(BACKUP_STAGING_PREFIX.length)}`);
  try {
    await rename(dir, gone);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await rm(gone, { recursive: true, force: true });
}

/**
 * Staging folders a killed backup left: over an hour old (no running backup takes that long),
 * or killed mid-removal. Their links would keep deleted files.
 */
export async function removeStaleBackupStaging(uploadsDir: string): Promise<void> {
  for (const e of await readdir(uploadsDir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const dir = path.join(uploadsDir, e.name);
    if (e.name.startsWith(REMOVED_STAGING_PREFIX)) await rm(dir, { recursive: true, force: true });
    else if (e.name.startsWith(BACKUP_STAGING_PREFIX) && Date.now() - (await stat(dir)).mtimeMs > 3_600_000) await removeBackupStaging(dir);
  }
}

/**
 * Delete a stored file; a missing file is fine (already gone). While a backup stages, the file is
 * linked into its staging folder first: the database copy the backup takes meanwhile may still
 * name it (an avatar replaced while the backup runs), and the backup then finds it there instead
 * of failing. A link that cannot be made only leaves the backup to try again, as before.
 */
export async function deleteStoredFile(root: string, stored: string | null | undefined): Promise<void> {
  if (!stored) return;
  const full = resolveStored(root, stored);
  if (!full) return;
  const folders = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const e of folders) {
    if (!e.isDirectory() || !e.name.startsWith(BACKUP_STAGING_PREFIX)) continue;
    const kept = path.join(root, e.name, 'uploads', stored);
    // One level at a time, never the staging folder itself: one removed meanwhile stays removed.
    await mkdirOne(path.join(root, e.name, 'uploads'))
      .then(() => mkdirOne(path.dirname(kept)))
      .then(() => link(full, kept))
      .catch(() => {});
  }
  await rm(full, { force: true });
}

/** Make one folder (its parent must exist); an existing one is fine. */
async function mkdirOne(dir: string): Promise<void> {
  await mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/**
 * A fresh temporary path inside a storage folder (created if missing), for a file being received.
 * Temporary names start with `.tmp-`, so they can never be mistaken for a stored name; the file is
 * moved into place by `adoptTempFile` or removed with `rm`.
 */
export async function tempFileIn(root: string, folder: StorageFolder): Promise<string> {
  const dir = path.join(root, folder);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return path.join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
}

/**
 * Give a fully written temporary file (from `tempFileIn`, same folder) its final random name by
 * renaming it (atomic on one file system) and return the stored name.
 */
export async function adoptTempFile(root: string, folder: StorageFolder, ext: StoredExt, temp: string): Promise<string> {
  const name = `${folder}/${randomBytes(16).toString('hex')}.${ext}`;
  const final = resolveStored(root, name)!;
  if (path.dirname(temp) !== path.dirname(final) || !path.basename(temp).startsWith('.tmp-')) throw new Error('not a temporary file of this folder');
  await rename(temp, final);
  return name;
}

/** Open a stored file for reading (one handle, so a check and the send read the same file), or null when missing. */
export async function openStoredFile(root: string, stored: string): Promise<FileHandle | null> {
  const full = resolveStored(root, stored);
  if (!full) return null;
  try {
    return await open(full, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The absolute path of a stored name (for sharp, which reads files itself), or null when the name is not ours. */
export function storedPath(root: string, stored: string): string | null {
  return resolveStored(root, stored);
}

/** The SHA-256 (hex) and size of an open file, read in one streaming pass from its start. */
export async function hashFileHandle(handle: FileHandle): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(256 * 1024);
  let size = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buf, 0, buf.length, size);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    size += bytesRead;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Wait for `event` on the response, or for the response to go away (the browser left). */
function eventOrClose(res: ServerResponse, event: 'drain' | 'finish'): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off(event, done);
      res.off('close', done);
      resolve();
    };
    res.on(event, done);
    res.on('close', done);
  });
}

/** How a send ended: bytes written, whether the whole file went out, and whether a checksum failed. */
export interface SendResult {
  bytes: number;
  complete: boolean;
  mismatch: boolean;
}

/**
 * Stream an open file (from its start) as the body of `res`, whose status and headers are set.
 * With `sha256`, the file is hashed as it is sent and the last chunk is held back until the hash
 * matches: on a mismatch the connection is cut, so nobody receives a complete file that differs
 * from what was uploaded. The handle is closed at the end.
 */
export async function sendFileHandle(res: ServerResponse, handle: FileHandle, sha256?: string): Promise<SendResult> {
  const hash = sha256 ? createHash('sha256') : null;
  const buf = Buffer.allocUnsafe(256 * 1024);
  let pending: Buffer | null = null;
  let pos = 0;
  let bytes = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const chunk = Buffer.from(buf.subarray(0, bytesRead));
      hash?.update(chunk);
      if (pending) {
        if (res.destroyed) return { bytes, complete: false, mismatch: false };
        bytes += pending.length;
        if (!res.write(pending)) await eventOrClose(res, 'drain');
      }
      pending = chunk;
    }
    if (hash && hash.digest('hex') !== sha256) {
      res.destroy();
      return { bytes, complete: false, mismatch: true };
    }
    if (res.destroyed) return { bytes, complete: false, mismatch: false };
    if (pending) bytes += pending.length;
    const finished = eventOrClose(res, 'finish');
    res.end(pending ?? undefined);
    await finished;
    return { bytes, complete: res.writableFinished, mismatch: false };
  } finally {
    await handle.close();
  }
}
