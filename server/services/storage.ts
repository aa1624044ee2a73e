import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files under the uploads folder. The server names everything: a fixed folder per kind of file
 * and a random name (the person's file name is never used for a path), so path traversal cannot
 * happen. Files are never served statically; routes read them after an access check.
 */

/** The folders the server stores into. Adding one is a code change, never user input. */
export type StorageFolder = 'avatars';

/** What a stored file is called in the database: `<folder>/<32 hex>.<ext>`. */
const STORED_NAME = /^(avatars)\/[0-9a-f]{32}\.(webp|png|jpg)$/;

/** The absolute path of a stored name, or null when the name is not one the server could have made. */
function resolveStored(root: string, stored: string): string | null {
  if (!STORED_NAME.test(stored)) return null;
  const full = path.resolve(root, stored);
  return full.startsWith(path.resolve(root) + path.sep) ? full : null;
}

/**
 * Write `data` under a fresh random name and return that name (relative to `root`). The write is
 * atomic: a temporary file in the same folder, flushed, then renamed into place, so a reader
 * never sees half a file and a crash leaves no file under the final name.
 */
export async function storeFile(root: string, folder: StorageFolder, ext: 'webp' | 'png' | 'jpg', data: Buffer): Promise<string> {
  const dir = path.join(root, folder);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = `${folder}/${randomBytes(16).toString('hex')}.${ext}`;
  const final = resolveStored(root, name)!;
  const temp = path.join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
  try {
    await writeFile(temp, data, { mode: 0o600, flush: true });
    await rename(temp, final);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return name;
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

/** Delete a stored file; a missing file is fine (already gone). */
export async function deleteStoredFile(root: string, stored: string | null | undefined): Promise<void> {
  if (!stored) return;
  const full = resolveStored(root, stored);
  if (full) await rm(full, { force: true });
}
