import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database as Schema } from './schema.js';
import { describeTarget, openPostgres } from './client.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { CHAINED_FIELDS } from '../server/audit/canonical.js';
import { AuditKeyError, configuredAuditPublicKey, parseAuditPublicKey } from '../server/audit/signing-key.js';
import { verifyAuditDatabase, verifyChain, type StoredRow, type Verdict } from '../server/audit/verify.js';

/**
 * `npm run audit:verify [-- --public-key FILE]`: check the audit trail of the configured database
 * (same environment as the server: DATA_DIR or DATABASE_URL, and the signing key's source), read
 * only and safe while the server runs (SQLite opened read-only; PostgreSQL in one read-only
 * repeatable-read transaction), streaming rows in id batches.
 * `npm run audit:verify -- --file EXPORT.jsonl [--filtered]`: check an export instead (JSON Lines,
 * one row a line with exactly the audit_events columns); `--filtered` for an export of some rows
 * only (each row's hash is checked, not the links between them).
 * Exit 0: intact. Exit 1: not intact, naming the first bad row or checkpoint. Exit 2: usage or I/O error.
 */

const USAGE = 'usage: npm run audit:verify [-- --public-key FILE]  |  npm run audit:verify -- --file EXPORT.jsonl [--filtered]';
const BATCH = 5_000;
const COLUMNS = [...CHAINED_FIELDS, 'prev_hash', 'hash'].sort().join();

/** A usage or I/O problem (exit 2); its message is the line printed. */
class UsageError extends Error {}

function parseArgs(argv: string[]): { file?: string; publicKey?: string; filtered: boolean } {
  const out: { file?: string; publicKey?: string; filtered: boolean } = { filtered: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--filtered') out.filtered = true;
    else if (a === '--file' || a === '--public-key') {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      if (a === '--file') out.file = v;
      else out.publicKey = v;
    } else throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
  }
  if (out.filtered && !out.file) throw new UsageError('--filtered goes with --file');
  return out;
}

/** An export's lines as row batches; a line that is not a row of the audit log fails the check (exit 1). */
async function* exportBatches(file: string, fail: (v: Verdict) => void): AsyncGenerator<StoredRow[]> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let batch: StoredRow[] = [];
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      row = null;
    }
    const ok = row !== null && typeof row === 'object' && !Array.isArray(row) && Object.keys(row).sort().join() === COLUMNS;
    const r = row as StoredRow;
    if (!ok || !Number.isSafeInteger(r.id) || !Number.isSafeInteger(r.at)) {
      fail({ intact: false, problem: `line ${n} is not an audit row (a JSON object with exactly the audit_events columns)` });
      return;
    }
    batch.push(r);
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

async function checkFile(file: string, filtered: boolean): Promise<Verdict> {
  if (!existsSync(file)) throw new UsageError(`cannot read ${file}: no such file`);
  let failed: Verdict | null = null;
  const verdict = await verifyChain(
    exportBatches(file, (v) => (failed = v)),
    [],
    filtered ? 'filtered' : 'export',
  );
  return failed ?? verdict;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.file) return report(await checkFile(args.file, args.filtered));
  const config = loadConfig();
  const key = () => {
    if (!args.publicKey) return configuredAuditPublicKey(config);
    let text: string;
    try {
      text = readFileSync(args.publicKey, 'utf8');
    } catch {
      throw new UsageError(`cannot read the public key file ${args.publicKey}`);
    }
    try {
      return parseAuditPublicKey(text);
    } catch {
      throw new UsageError(`${args.publicKey} does not hold an Ed25519 public key (SPKI PEM or base64 DER)`);
    }
  };
  const where = describeTarget(config.database);
  let db: Kysely<Schema>;
  if (config.database.kind === 'sqlite') {
    if (!existsSync(config.database.file)) throw new UsageError(`no database at ${config.database.file}: check DATA_DIR`);
    const sqlite = new Database(config.database.file, { readonly: true, fileMustExist: true });
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  } else db = openPostgres(config.database.url, 1).db;
  try {
    const t = db.transaction();
    const verdict = await (config.database.kind === 'postgres' ? t.setIsolationLevel('repeatable read').setAccessMode('read only') : t).execute((trx) =>
      verifyAuditDatabase(trx, key),
    );
    return report(verdict, where);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (err instanceof AuditKeyError) throw new UsageError(err.message);
    throw new UsageError(`cannot read the audit log in ${where}: ${(err as Error).message}`);
  } finally {
    await db.destroy();
  }
}

function report(v: Verdict, where = 'the export'): number {
  if (v.intact) {
    const span = v.firstId === null ? 'no rows' : `${v.rows} rows (ids ${v.firstId}–${v.lastId})`;
    process.stdout.write(`Audit trail intact (${where}): ${span}, chained from ${v.anchor}; ${v.checkpoints} signed checkpoints verified.\n`);
    return 0;
  }
  process.stdout.write(`Audit trail NOT intact (${where}): ${v.problem}.\n`);
  if (v.rowId !== undefined) process.stdout.write(`First bad row: ${v.rowId}\n`);
  if (v.checkpointId !== undefined) process.stdout.write(`Checkpoint: ${v.checkpointId}\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof UsageError || err instanceof ConfigError;
    process.stderr.write(
      `audit:verify: ${known ? err.message : String((err as Error)?.message ?? err)}\n${known && err instanceof UsageError ? `${USAGE}\n` : ''}`,
    );
    process.exit(2);
  },
);
