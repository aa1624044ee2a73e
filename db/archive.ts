import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as tar from 'tar';
import type { Config } from '../server/config.js';
import { buildInfo } from '../server/build-info.js';
import { referencedUploads } from './upload-refs.js';
import { BACKUP_STAGING_PREFIX, removeBackupStaging, removeStaleBackupStaging } from '../server/services/storage.js';

/**
 * One backup archive (a plain tar, npm's `tar`): `manifest.json`, the database snapshot
 * `debrief.sqlite`, every upload the snapshot references under `uploads/`, and the keys
 * (`secret.key`, `audit-signing.key`; with SECRET_KEY set, only its fingerprint in the manifest).
 *
 * Online and consistent while chat flows: the snapshot is one `VACUUM INTO` (a single read
 * transaction, so writers never restart it, unlike the step-wise backup API). Uploads: before the
 * snapshot every file in UPLOADS_DIR is hard-linked into a staging folder inside UPLOADS_DIR (same
 * file system: no copy, no space). The server deletes a file only after the row naming it is gone
 * (commands delete the row, then the file), so a file the snapshot references existed when the
 * snapshot began: it is in the staging folder, or it was uploaded after the links were made and
 * is linked afterwards. The one gap (a file uploaded after the links and deleted again before the
 * second pass) makes the whole backup run again, at most three times.
 */

/** Why an archive cannot be written or read, in one line for the person running it. */
export class ArchiveError extends Error {}

export interface Manifest {
  format: 1;
  debrief: string;
  lastMigration: string | null;
  createdAt: string;
  /** `file`: the archive holds secret.key; `fingerprint`: SECRET_KEY was set, only its SHA-256 is here. */
  key: { kind: 'file' } | { kind: 'fingerprint'; sha256: string };
  /** Each member (but the manifest) and its SHA-256. */
  members: Record<string, string>;
}

export const SNAPSHOT = 'debrief.sqlite';
export const MANIFEST = 'manifest.json';

/** The fingerprint of SECRET_KEY the manifest records (never the key). */
export function keyFingerprint(secretKeyHex: string): string {
  return createHash('sha256').update(Buffer.from(secretKeyHex, 'hex')).digest('hex');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every regular file under `dir` (relative paths, `/`-separated), skipping dot-entries (temporary
 * files, staging folders) unless `dots` (a restore checks everything an archive holds).
 */
export async function listFiles(dir: string, prefix = '', dots = false): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') && !dots) continue;
    if (e.isDirectory()) out.push(...(await listFiles(path.join(dir, e.name), `${prefix}${e.name}/`, dots)));
    else if (e.isFile()) out.push(`${prefix}${e.name}`);
  }
  return out;
}

/** Hard-link `from` to `to` (copy when the file system refuses links); false when `from` is gone. */
async function stage(from: string, to: string): Promise<boolean> {
  await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'EEXIST') return true;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw err;
    try {
      await copyFile(from, to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
  return true;
}

/** The names of the applied migrations of an open SQLite database, in order ([] for an empty one). */
export function appliedMigrationsOf(sqlite: Database.Database): string[] {
  const table = sqlite.prepare(`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`).get();
  return table ? (sqlite.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name) : [];
}

/** Snapshot the database into `staging` and stage what it references; null when a referenced upload vanished meanwhile. */
async function snapshot(config: Config, staging: string): Promise<{ lastMigration: string | null; uploads: string[] } | null> {
  const uploads = path.join(staging, 'uploads');
  for (const f of await listFiles(config.uploadsDir)) await stage(path.join(config.uploadsDir, f), path.join(uploads, f));
  const target = path.join(staging, SNAPSHOT);
  await rm(target, { force: true });
  const live = new Database(config.databaseFile, { readonly: true, fileMustExist: true });
  try {
    live.pragma('busy_timeout = 10000');
    live.prepare('vacuum into ?').run(target);
  } finally {
    live.close();
  }
  const snap = new Database(target, { readonly: true, fileMustExist: true });
  let referenced: string[];
  let lastMigration: string | null;
  try {
    const check = snap.pragma('integrity_check') as { integrity_check: string }[];
    if (check.length !== 1 || check[0]!.integrity_check !== 'ok') throw new ArchiveError(`The snapshot failed integrity_check: ${check[0]?.integrity_check}`);
    referenced = referencedUploads(snap);
    lastMigration = appliedMigrationsOf(snap).at(-1) ?? null;
  } finally {
    snap.close();
  }
  for (const f of referenced) {
    if (existsSync(path.join(uploads, f))) continue;
    if (!(await stage(path.join(config.uploadsDir, f), path.join(uploads, f)))) return null;
  }
  // Staged files no row references (deleted before the snapshot, or pending clean-up) stay out.
  const wanted = new Set(referenced);
  for (const f of await listFiles(uploads)) if (!wanted.has(f)) await rm(path.join(uploads, f));
  return { lastMigration, uploads: referenced.map((f) => `uploads/${f}`) };
}

/** fsync a file or folder. */
async function fsyncPath(p: string): Promise<void> {
  const h = await open(p, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Write a full archive of the SQLite data to `file`: built as `file.partial` (mode 0600), fsynced,
 * then renamed; on any failure neither `file` nor the partial is left.
 */
export async function writeArchive(config: Config, file: string): Promise<{ bytes: number; manifest: Manifest }> {
  if (!existsSync(path.dirname(file))) throw new ArchiveError(`Cannot write the backup: the folder ${path.dirname(file)} does not exist.`);
  if (!existsSync(config.databaseFile)) throw new ArchiveError(`No database at ${config.databaseFile}: check DATA_DIR.`);
  await mkdir(config.uploadsDir, { recursive: true, mode: 0o700 });
  await removeStaleBackupStaging(config.uploadsDir);
  const staging = path.join(config.uploadsDir, `${BACKUP_STAGING_PREFIX}${randomBytes(6).toString('hex')}`);
  const partial = `${file}.partial`;
  let mine = false; // whether the partial is this backup's (another may be writing to the same FILE)
  try {
    await mkdir(staging, { mode: 0o700 });
    let snap = await snapshot(config, staging);
    for (let attempt = 1; !snap && attempt < 3; attempt++) snap = await snapshot(config, staging);
    if (!snap) throw new ArchiveError('An upload the database references kept disappearing during the backup; try again.');
    const members = [SNAPSHOT, ...snap.uploads];
    let key: Manifest['key'] = { kind: 'file' };
    if (config.secretKeyHex) key = { kind: 'fingerprint', sha256: keyFingerprint(config.secretKeyHex) };
    else if (existsSync(config.secretKeyFile)) {
      await copyFile(config.secretKeyFile, path.join(staging, 'secret.key'));
      members.push('secret.key');
    }
    if (existsSync(config.auditSigningKeyFile)) {
      await copyFile(config.auditSigningKeyFile, path.join(staging, 'audit-signing.key'));
      members.push('audit-signing.key');
    }
    const hashes: Record<string, string> = {};
    for (const m of members) hashes[m] = await sha256File(path.join(staging, m));
    const manifest: Manifest = {
      format: 1,
      debrief: buildInfo().version,
      lastMigration: snap.lastMigration,
      createdAt: new Date().toISOString(),
      key,
      members: hashes,
    };
    await writeFile(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    // Created 0600 (and new: never someone else's file or link) before tar writes into it, so the
    // archive is never readable by others. A partial file an hour old is a killed backup's.
    if (existsSync(partial) && Date.now() - (await stat(partial)).mtimeMs > 3_600_000) await rm(partial, { force: true });
    try {
      await writeFile(partial, '', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      throw new ArchiveError(`Another backup is being written to ${file} (${path.basename(partial)} exists); try again when it is done.`);
    }
    mine = true;
    await tar.c({ file: partial, cwd: staging, portable: true }, [MANIFEST, ...members]);
    await fsyncPath(partial);
    await rename(partial, file);
    await fsyncPath(path.dirname(file));
    return { bytes: (await stat(file)).size, manifest };
  } catch (err) {
    if (mine) await rm(partial, { force: true });
    throw err;
  } finally {
    await removeBackupStaging(staging);
  }
}
