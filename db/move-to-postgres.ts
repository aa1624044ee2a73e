import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { connectDatabase, describeTarget, waitUntilReachable, type Db } from './client.js';
import { migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';
import { ConfigError, loadConfig, type Config } from '../server/config.js';

/**
 * `npm run move-to-postgres [-- /path/to/debrief.sqlite]`: copy a SQLite database (DATA_DIR's, or
 * the file named) into the empty PostgreSQL database of DATABASE_URL, which is migrated first.
 * Every table of the schema is copied in one PostgreSQL transaction, parents before children,
 * in batches streamed from one consistent SQLite snapshot; ids and event-log positions are kept,
 * and each identity column then continues past the largest copied value. Row counts are compared
 * table by table before the commit: any difference rolls everything back. It refuses (exit 1,
 * one line, nothing copied) a DATABASE_URL that is not PostgreSQL, a missing source, a source not
 * at this version's latest migration, and a target that holds any row. Prints counts, never rows
 * or the URL's password.
 */

/** A reason not to move; its message is the one line printed, and nothing was copied. */
class MoveRefused extends Error {}

interface Table {
  name: string;
  /** In PostgreSQL's column order. */
  columns: string[];
  /** Identity columns (ids, event-log positions): continued past the copied values. */
  identity: string[];
}
type Sqlite = Database.Database;

const MIGRATION_TABLES = /^kysely_/;
/** SQLite's audit search (FTS5 and its shadow tables): PostgreSQL searches through its own GIN index, built from the copied rows. */
const SQLITE_ONLY = /^audit_events_fts(_|$)/;
/** Rows per INSERT: few round trips, well under PostgreSQL's 65,535 parameters. */
const BATCH_ROWS = 500;
const MAX_PARAMETERS = 60_000;

/** The schema's tables on the (migrated) target, in an order where every parent precedes its children. */
async function targetTables(db: Kysely<any>): Promise<Table[]> {
  const { rows: cols } = await sql<{ table_name: string; column_name: string; is_identity: string }>`
    select c.table_name, c.column_name, c.is_identity from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
    order by c.table_name, c.ordinal_position`.execute(db);
  const tables = new Map<string, Table>();
  for (const c of cols) {
    if (MIGRATION_TABLES.test(c.table_name)) continue;
    const t = tables.get(c.table_name) ?? { name: c.table_name, columns: [], identity: [] };
    t.columns.push(c.column_name);
    if (c.is_identity === 'YES') t.identity.push(c.column_name);
    tables.set(t.name, t);
  }
  const { rows: keys } = await sql<{ child: string; parent: string }>`
    select conrelid::regclass::text as child, confrelid::regclass::text as parent from pg_constraint
    where contype = 'f' and connamespace = current_schema()::regnamespace`.execute(db);
  return parentsFirst([...tables.keys()], keys).map((n) => tables.get(n)!);
}

/** `names` ordered so that each table comes after the tables its foreign keys reference. */
function parentsFirst(names: string[], keys: { child: string; parent: string }[]): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`foreign keys form a cycle through ${name}`);
    visiting.add(name);
    for (const k of keys) if (k.child === name && k.parent !== name) visit(k.parent);
    visiting.delete(name);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The source must be a Debrief database at exactly this version's migrations. */
function checkMigrations(sqlite: Sqlite): void {
  let applied: string[];
  try {
    applied = sqlite.prepare('select name from kysely_migration order by name').pluck().all() as string[];
  } catch {
    throw new MoveRefused('the SQLite file is not a Debrief database (it has no migration table).');
  }
  const latest = Object.keys(migrations);
  if (applied.join() !== latest.join()) {
    const newer = applied.filter((m) => !latest.includes(m));
    throw new MoveRefused(
      newer.length
        ? `the SQLite database was migrated by a newer Debrief (${newer.at(-1)}); move it with that version.`
        : `the SQLite database is at migration ${applied.at(-1) ?? '(none)'}, not ${latest.at(-1)}: start this version of Debrief on it once (it migrates at start), stop it, then move.`,
    );
  }
}

/** The source's tables and columns must be the target's (a safeguard: equal migrations give equal schemas). */
function checkTables(sqlite: Sqlite, tables: Table[]): void {
  const source = sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").pluck().all() as string[];
  const missing = [
    ...source.filter((n) => !MIGRATION_TABLES.test(n) && !SQLITE_ONLY.test(n) && !tables.some((t) => t.name === n)),
    ...tables.filter((t) => !source.includes(t.name)).map((t) => t.name),
  ];
  if (missing.length) throw new MoveRefused(`the two schemas differ in tables ${missing.join(', ')}.`);
  for (const t of tables) {
    const cols = (sqlite.pragma(`table_info(${quoted(t.name)})`) as { name: string }[]).map((c) => c.name).sort();
    if (cols.join() !== [...t.columns].sort().join()) throw new MoveRefused(`the two schemas differ in the columns of table ${t.name}.`);
  }
}

/** Any row in any table of the target refuses the move: kept ids would collide, and nothing may be overwritten. */
async function refuseUnlessEmpty(trx: Kysely<any>, tables: Table[], where: string): Promise<void> {
  for (const t of tables) {
    const { rows } = await sql<{ taken: boolean }>`select exists (select 1 from ${sql.table(t.name)}) as taken`.execute(trx);
    if (rows[0]!.taken)
      throw new MoveRefused(`the target database (${where}) already holds data (table ${t.name} has rows); the move only fills an empty database.`);
  }
}

/** One multi-row INSERT of a batch, every value a parameter. */
const insertRows = (trx: Kysely<any>, t: Table, rows: unknown[][]) =>
  sql`insert into ${sql.table(t.name)} (${sql.join(t.columns.map((c) => sql.id(c)))}) overriding system value
    values ${sql.join(rows.map((r) => sql`(${sql.join(r)})`))}`.execute(trx);

/**
 * Stream one table from SQLite into PostgreSQL in batches; returns the rows copied. Integers are
 * read as bigints (exact past 2^53), blobs as Buffers (bytea). Kept ids go in as written:
 * `overriding system value` lets an identity column take them.
 */
async function copyTable(trx: Kysely<any>, sqlite: Sqlite, t: Table): Promise<number> {
  const select = sqlite
    .prepare(`select ${t.columns.map(quoted).join(', ')} from ${quoted(t.name)}`)
    .raw(true)
    .safeIntegers(true);
  const size = Math.min(BATCH_ROWS, Math.floor(MAX_PARAMETERS / t.columns.length));
  let batch: unknown[][] = [];
  let copied = 0;
  for (const row of select.iterate() as Iterable<unknown[]>) {
    batch.push(row);
    if (batch.length < size) continue;
    await insertRows(trx, t, batch);
    copied += batch.length;
    batch = [];
  }
  if (batch.length) await insertRows(trx, t, batch);
  return copied + batch.length;
}

/** The next id (or position) an identity column hands out: one past the largest copied, 1 if none. */
async function continueIdentity(trx: Kysely<any>, t: Table): Promise<void> {
  for (const c of t.identity)
    await sql`select setval(pg_get_serial_sequence(${quoted(t.name)}, ${c}), coalesce(max(${sql.id(c)}), 0) + 1, false)
      from ${sql.table(t.name)}`.execute(trx);
}

/** Rows of `t` on each side (PostgreSQL's within the copying transaction); a difference refuses the commit. */
async function checkCount(trx: Kysely<any>, sqlite: Sqlite, t: Table, copied: number): Promise<number> {
  const source = Number(
    sqlite
      .prepare(`select count(*) from ${quoted(t.name)}`)
      .pluck()
      .get(),
  );
  const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(t.name)}`.execute(trx);
  const target = Number(rows[0]!.n);
  if (source !== target || copied !== target)
    throw new MoveRefused(`row counts differ in table ${t.name} (SQLite ${source}, PostgreSQL ${target}); the move was rolled back.`);
  return target;
}

/** A driver's message without the value it quotes (`invalid input syntax for type bigint: "…"`): no row contents are printed. */
const withoutValues = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/: ".*"$/s, '');

/** Copy every table in one transaction; returns the rows per table, in copy order. */
async function copyAll(db: Db, sqlite: Sqlite, tables: Table[], where: string): Promise<[string, number][]> {
  return db.transaction().execute(async (trx) => {
    await refuseUnlessEmpty(trx, tables, where);
    const counts: [string, number][] = [];
    for (const t of tables) {
      let copied: number;
      try {
        copied = await copyTable(trx, sqlite, t);
      } catch (err) {
        throw new Error(`copying table ${t.name}: ${withoutValues(err)}`, { cause: err });
      }
      await continueIdentity(trx, t);
      counts.push([t.name, await checkCount(trx, sqlite, t, copied)]);
    }
    return counts;
  });
}

/** The whole move; refusals before anything is written (a non-PostgreSQL target, a missing source) come first. */
async function move(config: Config, file: string): Promise<[string, number][]> {
  if (config.database.kind !== 'postgres') throw new MoveRefused('DATABASE_URL must name the PostgreSQL database to move into (postgres://…); it is not set.');
  if (!existsSync(file)) throw new MoveRefused(`there is no SQLite database at ${file}.`);
  const where = describeTarget(config.database);
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  const target = connectDatabase(config.database);
  try {
    // One read transaction: every table and count comes from the same snapshot, even if a server still writes.
    sqlite.exec('begin');
    checkMigrations(sqlite);
    try {
      await waitUntilReachable(target.db, config.databaseWaitMs);
    } catch (err) {
      throw new Error(`cannot reach the database (${where}, DATABASE_URL): ${withoutValues(err)}`, { cause: err });
    }
    await migrateToLatest(target.db);
    const tables = await targetTables(target.db);
    checkTables(sqlite, tables);
    const counts = await copyAll(target.db, sqlite, tables, where);
    // Statistics for the planner now: until autovacuum's first pass over the copied rows, it would
    // plan a firm's millions of rows as if the tables were empty.
    await sql`analyze`.execute(target.db);
    return counts;
  } finally {
    sqlite.close();
    await target.close();
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const file = path.resolve(process.argv[2] ?? config.databaseFile);
  let counts: [string, number][];
  try {
    counts = await move(config, file);
  } catch (err) {
    const reason = err instanceof MoveRefused ? `Move refused: ${err.message}` : `Move failed, nothing was copied: ${withoutValues(err)}`;
    process.stderr.write(`${reason}\n`);
    process.exit(1);
  }
  process.stdout.write(summary(config, file, counts));
}

/** Rows per table, the totals, and what must come along: the uploads, and the key that sealed the TOTP secrets. */
function summary(config: Config, file: string, counts: [string, number][]): string {
  const width = Math.max(...counts.map(([n]) => n.length));
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  const key = config.secretKeyHex ? 'the same SECRET_KEY' : 'secret.key (or SECRET_KEY set to its key)';
  return [
    `Moved SQLite ${file} into ${describeTarget(config.database)}:`,
    ...counts.sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => `  ${name.padEnd(width)}  ${n}`),
    `${counts.length} tables, ${total} rows; row counts equal table by table; ids continue past the copied ones; statistics gathered (ANALYZE).`,
    `Start Debrief on PostgreSQL with a DATA_DIR holding this database's uploads/ folder and ${key}: its files and two-factor secrets need them.`,
    '',
  ].join('\n');
}

await main();
