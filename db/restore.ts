import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as tar from 'tar';
import { loadConfig, type Config } from '../server/config.js';
import { openSecret } from '../server/auth/secret-box.js';
import { appliedMigrationsOf, ArchiveError, keyFingerprint, listFiles, MANIFEST, sha256File, SNAPSHOT, type Manifest } from './archive.js';
import { referencedUploads } from './upload-refs.js';
import { migrations } from './migrations/index.js';
import { migrateToLatest } from './migrate.js';
import { buildInfo } from '../server/build-info.js';
import { openDatabase } from './client.js';

/**
 * `debrief restore FILE`: a backup archive (db/archive.ts) into an empty DATA_DIR. Everything is
 * checked in a temporary folder inside DATA_DIR (the same file system) before anything is placed:
 * each member's SHA-256 against the manifest, integrity_check, foreign_key_check, every referenced
 * upload present, the schema (older: migrated there; newer: refused) and that the key in use opens
 * the archive's secrets. Then the members are renamed into place. A refusal is one line, exit 1,
 * and leaves DATA_DIR (and FILE) as they were.
 */

const refuse = (message: string): never => {
  throw new ArchiveError(message);
};

/**
 * What DATA_DIR (and UPLOADS_DIR) hold besides the runtime folder and BACKUP_DIR: must be nothing.
 * BACKUP_DIR is left aside too: after a loss, the archive to restore is often in DATA_DIR/backups.
 */
function occupants(config: Config): string[] {
  const inDir = (dir: string, except: string[]) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((n) => !except.includes(path.join(dir, n)))
          .map((n) => path.join(dir, n))
      : [];
  // lost+found: a DATA_DIR that is a freshly made file system's root.
  const found = inDir(config.dataDir, [config.runtimeDir, config.backupDir, path.join(config.dataDir, 'lost+found')]);
  if (!config.uploadsDir.startsWith(config.dataDir + path.sep)) found.push(...inDir(config.uploadsDir, []));
  return found;
}

function readManifest(dir: string): Manifest {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
    if (m.format !== 1 || typeof m.members !== 'object' || !m.key) throw new Error('shape');
    return m;
  } catch {
    return refuse('The archive has no readable manifest.json: it is not a Debrief backup, or it is damaged.');
  }
}

/** Every member present with the manifest's hash, and nothing else. */
async function checkMembers(dir: string, manifest: Manifest): Promise<void> {
  const present = (await listFiles(dir, '', true)).filter((f) => f !== MANIFEST);
  const listed = Object.keys(manifest.members);
  const extra = present.find((f) => !(f in manifest.members));
  if (extra) refuse(`The archive holds ${extra}, which its manifest does not list: it is damaged or was altered.`);
  for (const m of listed) {
    if (!present.includes(m)) refuse(`The archive lacks ${m}, which its manifest lists: it is damaged or incomplete.`);
    if ((await sha256File(path.join(dir, m))) !== manifest.members[m])
      refuse(`${m} in the archive does not match its SHA-256 in the manifest: the archive is damaged.`);
  }
}

/** The database checks; returns the migrations the snapshot still needs. */
function checkDatabase(dir: string, manifest: Manifest, config: Config): string[] {
  const db = new Database(path.join(dir, SNAPSHOT), { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
    if (integrity[0]?.integrity_check !== 'ok') refuse(`The database in the archive fails integrity_check: ${integrity[0]?.integrity_check}`);
    const fk = db.pragma('foreign_key_check') as { table: string }[];
    if (fk.length) refuse(`The database in the archive fails foreign_key_check (${fk.length} row${fk.length === 1 ? '' : 's'}, first in ${fk[0]!.table}).`);
    const known = Object.keys(migrations).sort();
    const applied = appliedMigrationsOf(db);
    const unknown = applied.find((m) => !known.includes(m));
    if (unknown)
      refuse(
        `Cannot restore: the archive is from Debrief ${manifest.debrief}, whose data has migration ${unknown}; this is Debrief ${buildInfo().version}, which knows migrations up to ${known.at(-1)}. Restore it with Debrief ${manifest.debrief} or newer.`,
      );
    const missing = referencedUploads(db).filter((f) => !existsSync(path.join(dir, 'uploads', f)));
    if (missing.length) refuse(`The archive lacks ${missing.length} upload${missing.length === 1 ? '' : 's'} its database references (first: ${missing[0]}).`);
    checkKey(db, dir, manifest, config);
    return known.filter((m) => !applied.includes(m));
  } finally {
    db.close();
  }
}

/** The key in use (SECRET_KEY, else the archive's secret.key) must open the archive's stored secrets. */
function checkKey(db: Database.Database, dir: string, manifest: Manifest, config: Config): void {
  if (manifest.key.kind === 'fingerprint') {
    if (!config.secretKeyHex) refuse('The backup was made with SECRET_KEY set and holds only its fingerprint: set the same SECRET_KEY to restore it.');
    if (keyFingerprint(config.secretKeyHex!) !== manifest.key.sha256) refuse('SECRET_KEY is not the key this backup was made with (its fingerprint differs).');
  }
  const keyFile = path.join(dir, 'secret.key');
  const row = db.prepare('select id, totp_secret_enc as box from users where totp_secret_enc is not null limit 1').get() as
    { id: string; box: string } | undefined;
  if (!row) return;
  if (!config.secretKeyHex && !existsSync(keyFile)) refuse('The archive holds encrypted secrets but no secret.key, and SECRET_KEY is not set.');
  try {
    openSecret({ secretKeyHex: config.secretKeyHex, secretKeyFile: keyFile }, row.box, `totp:${row.id}`);
  } catch {
    refuse(
      config.secretKeyHex
        ? "SECRET_KEY does not open the archive's stored secrets: it is not the key this data was encrypted with."
        : "The archive's secret.key does not open its stored secrets.",
    );
  }
}

/** Move `from` to `to` (rename; a copy when they are on different file systems); false when the archive had no `from`. */
async function place(from: string, to: string): Promise<boolean> {
  if (!existsSync(from)) return false;
  await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  if (existsSync(to)) await rmdir(to); // an empty uploads folder (checked empty above)
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await cp(from, to, { recursive: true, preserveTimestamps: true });
  }
  return true;
}

async function restoreArchive(config: Config, file: string): Promise<{ manifest: Manifest; migrated: string[] }> {
  if (config.database.kind !== 'sqlite') refuse('restore puts back SQLite archives; for PostgreSQL use pg_restore (see the README).');
  if (!existsSync(file)) refuse(`No backup at ${file}.`);
  const busy = occupants(config);
  if (busy.length) refuse(`DATA_DIR is not empty (it holds ${busy.map((b) => path.basename(b)).join(', ')}): restore only into an empty folder.`);
  const created = !existsSync(config.dataDir);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const work = await mkdtemp(path.join(config.dataDir, '.restore-'));
  try {
    try {
      await tar.x({ file, cwd: work, strict: true, filter: (_p, e) => 'type' in e && (e.type === 'File' || e.type === 'Directory') });
    } catch (err) {
      refuse(`Cannot read ${file} as a backup archive: ${(err as Error).message}`);
    }
    const manifest = readManifest(work);
    await checkMembers(work, manifest);
    const pending = checkDatabase(work, manifest, config);
    if (pending.length) {
      const { db } = openDatabase(path.join(work, SNAPSHOT));
      try {
        await migrateToLatest(db);
      } finally {
        await db.destroy();
      }
    }
    // The database last: until it is there, DATA_DIR holds no data a server would start on. A
    // failure midway takes back what was placed, so DATA_DIR is as it was.
    const placed: string[] = [];
    const uploadsExisted = existsSync(config.uploadsDir);
    try {
      for (const [from, to] of [
        ['uploads', config.uploadsDir],
        ['secret.key', config.secretKeyFile],
        ['audit-signing.key', config.auditSigningKeyFile],
        [SNAPSHOT, config.databaseFile],
      ] as const)
        if (await place(path.join(work, from), to)) placed.push(to);
    } catch (err) {
      for (const to of placed) await rm(to, { recursive: true, force: true });
      if (uploadsExisted) await mkdir(config.uploadsDir, { recursive: true, mode: 0o700 });
      throw err;
    }
    return { manifest, migrated: pending };
  } finally {
    await rm(work, { recursive: true, force: true });
    if (created && !existsSync(config.databaseFile)) await rm(config.dataDir, { recursive: true, force: true });
  }
}

/** `debrief restore FILE`. */
export async function restore(args: string[]): Promise<void> {
  if (args.length !== 1) {
    process.stderr.write('Usage: debrief restore FILE\n');
    process.exit(2);
  }
  const config = loadConfig();
  const file = path.resolve(args[0]!);
  try {
    const { manifest, migrated } = await restoreArchive(config, file);
    const uploads = Object.keys(manifest.members).filter((m) => m.startsWith('uploads/')).length;
    process.stdout.write(
      `Restored ${file} (Debrief ${manifest.debrief}, ${manifest.createdAt}) into ${config.dataDir}: the database and ${uploads} upload${uploads === 1 ? '' : 's'}` +
        `${migrated.length ? `, migrated to ${migrated.at(-1)}` : ''}.\n`,
    );
  } catch (err) {
    process.stderr.write(`${err instanceof ArchiveError ? err.message : `The restore failed: ${(err as Error).message}`}\n`);
    process.exit(1);
  }
}
