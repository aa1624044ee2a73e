import { statfs } from 'node:fs/promises';

/** Bytes free to this (unprivileged) process on the file system holding `dir` (fs.statfs). */
export async function freeDiskBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}
