import { statfs } from 'node:fs/promises';
import path from 'node:path';

/**
 * Bytes free to this (unprivileged) process on the file system that holds `dir` (fs.statfs), or
 * would hold it: for a folder not made yet, its nearest existing parent.
 */
export async function freeDiskBytes(dir: string): Promise<number> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      const s = await statfs(d);
      return s.bavail * s.bsize;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(d) === d) throw err;
    }
  }
}
