import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../server/config.js';
import { describeTarget, openPostgres } from './client.js';
import { ArchiveError, writeArchive } from './archive.js';

/**
 * Online backup of the live database, safe while the server runs. Usage: npm run backup -- FILE
 *
 * SQLite: one tar archive with the snapshot, its uploads, the keys and a manifest (db/archive.ts).
 * PostgreSQL: `pg_dump` in its custom format (one consistent snapshot; restore with `pg_restore`),
 * given the URL without its password, which goes through the environment (`PGPASSWORD`), never
 * the command line; uploads and the secret key are files to copy alongside (the closing line says
 * where they are). Either way the backup is written next to FILE and renamed into place when
 * complete, so FILE is never a half-written backup.
 */

/** Why the backup cannot be made, in one line for the person running it (exit 1). */
class Refusal extends Error {}
function fail(message: string): never {
  throw new Refusal(message);
}

/** Write through a temporary file next to `file`, renamed into place once `write` succeeded. */
async function atomically(file: string, write: (temp: string) => Promise<void> | void): Promise<void> {
  if (!existsSync(path.dirname(file))) fail(`Cannot write the backup: the folder ${path.dirname(file)} does not exist.`);
  const temp = `${file}.partial-${process.pid}`;
  try {
    await write(temp);
    renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The major version in `pg_dump --version` ("pg_dump (PostgreSQL) 15.18 (Debian …)"), or null when it cannot run. */
function pgDumpMajor(): number | null {
  const r = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  const m = /\(PostgreSQL\)\s+(\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : null;
}

async function backUpPostgres(url: string, file: string, where: string): Promise<void> {
  const client = pgDumpMajor();
  if (client === null) fail("pg_dump was not found: install PostgreSQL's client tools (Debian: apt-get install postgresql-client).");
  const { db } = openPostgres(url, 1);
  let server: number;
  try {
    const { rows } = await sql<{ v: string }>`select current_setting('server_version_num') as v`.execute(db);
    server = Math.floor(Number(rows[0]!.v) / 10_000);
  } catch {
    fail(`Cannot reach ${where}: check DATABASE_URL and that the server is running.`);
  } finally {
    await db.destroy();
  }
  if (client < server)
    fail(
      `pg_dump ${client} is older than the PostgreSQL ${server} server: install postgresql-client-${server} (Debian: apt-get install postgresql-client-${server}).`,
    );

  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  await atomically(file, (temp) => {
    const r = spawnSync('pg_dump', ['--format=custom', `--file=${temp}`, `--dbname=${u.toString()}`], {
      env: { ...process.env, ...(password && { PGPASSWORD: password }) },
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (r.status !== 0) fail(`pg_dump failed: ${(r.stderr || String(r.error)).trim().split('\n')[0]}`);
    if (!existsSync(temp)) fail('pg_dump ended without writing the backup.');
  });
}

/** `debrief backup FILE`: an online backup of the live database to FILE (exit 1 with one line when it cannot be made). */
export async function backup(args: string[]): Promise<void> {
  const target = args[0];
  if (!target || args.length > 1) {
    process.stderr.write('Usage: debrief backup FILE\n');
    process.exit(2);
  }
  const config = loadConfig();
  const file = path.resolve(target);
  const where = describeTarget(config.database);
  try {
    if (config.database.kind === 'sqlite') {
      const started = performance.now();
      const { bytes, manifest } = await writeArchive(config, file);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const uploads = Object.keys(manifest.members).filter((m) => m.startsWith('uploads/')).length;
      process.stdout.write(`Backed up ${where} to ${file} (${(bytes / 1e6).toFixed(1)} MB, ${uploads} upload${uploads === 1 ? '' : 's'}) in ${seconds} s.\n`);
      return;
    }
    await backUpPostgres(config.database.url, file, where);
  } catch (err) {
    const known = err instanceof Refusal || err instanceof ArchiveError;
    process.stderr.write(`${known ? err.message : `The backup failed: ${(err as Error).message}`}\n`);
    process.exit(1);
  }
  const mb = (statSync(file).size / 1e6).toFixed(1);
  process.stdout.write(
    `Backed up ${where} to ${file} (${mb} MB). Copy ${config.uploadsDir} and the secret key (${config.secretKeyFile}, or SECRET_KEY) alongside it.\n`,
  );
}
