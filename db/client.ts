import Database from 'better-sqlite3';
import { Kysely, PostgresAdapter, type Driver, PostgresDialect, sql, SqliteAdapter, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database as Schema } from './schema.js';
import { inListsAsArrays, preparingPool } from './pg-prepared.js';

/**
 * SQLite does support transactional DDL, but Kysely's adapter says it doesn't, which would let
 * a failed migration leave the database half-changed. Saying yes makes the Migrator run every
 * pending migration in one transaction: all apply, or none do.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR, …). Kysely
 * then sends ROLLBACK anyway, which fails ("no transaction is active") and is thrown in place of
 * the error that caused it: the log would say "cannot rollback" instead of "database or disk is
 * full" with its code, and the caller could not tell a full disk. So ROLLBACK is sent only while
 * a transaction is open: the first error is the one that reaches the caller and the log.
 */
class DebriefSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: Database.Database) {
    super({ database: sqlite });
  }
  override createAdapter(): SqliteAdapter {
    return new TransactionalSqliteAdapter();
  }
  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (this.sqlite.inTransaction) await rollback(connection);
    };
    return driver;
  }
}

export type Db = Kysely<Schema>;

/** The two databases Debrief runs on: embedded SQLite (the default) or a PostgreSQL server. */
export type DialectName = 'sqlite' | 'postgres';

/** Which database `db` talks to. */
export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Where the configuration says the data lives (server/config.ts). */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize: number };

/** An open database of either kind; `close()` ends its connections. */
export interface OpenedDatabase {
  db: Db;
  dialect: DialectName;
  close(): Promise<void>;
}

/** Open the configured database (SQLite: the file with its pragmas; PostgreSQL: a pool). */
export function connectDatabase(target: DatabaseTarget, onIdleError: (err: Error) => void = () => {}): OpenedDatabase {
  if (target.kind === 'postgres') {
    const { db } = openPostgres(target.url, target.poolSize, onIdleError);
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  const { db } = openDatabase(target.file);
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Where a database is, for logs and messages: the SQLite file, or PostgreSQL's host, port and database — never the password. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return `SQLite ${target.file}`;
  const u = new URL(target.url);
  const host = u.searchParams.get('host') ?? (u.hostname || 'localhost');
  return `PostgreSQL at ${host}:${u.port || '5432'}${u.pathname.length > 1 ? ` (database ${decodeURIComponent(u.pathname.slice(1))})` : ''}`;
}

/**
 * Wait until the database answers: at start a PostgreSQL server may still be coming up. Tries
 * again with doubling pauses (from half a second) until `waitMs` have passed, then throws the
 * last error.
 */
export async function waitUntilReachable(db: Db, waitMs: number): Promise<void> {
  const until = Date.now() + waitMs;
  for (let pause = 500; ; pause *= 2) {
    try {
      await sql`select 1`.execute(db);
      return;
    } catch (err) {
      const left = until - Date.now();
      if (left <= 0) throw err;
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
    }
  }
}

/**
 * PostgreSQL's 64-bit integers (`bigint` columns — times in ms, identity ids — and `count(*)`) and
 * numerics (`sum`, `avg`) come back from `pg` as strings; Debrief's values are numbers, as on
 * SQLite. One past 2^53 can't be a number without losing digits: that throws instead.
 */
function toNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) && !(Number.isFinite(n) && text.includes('.')))
    throw new RangeError(`a database number does not fit a JavaScript number exactly: ${text}`);
  return n;
}
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? toNumber : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * A PostgreSQL pool of `poolSize` connections through Kysely's PostgresDialect, its hot statements
 * prepared (db/pg-prepared.ts). Times are the app's own (ms numbers in bigint columns); the int8
 * parser above is the pool's own (the process-wide `pg.types` stay untouched).
 */
export function openPostgres(url: string, poolSize: number, onIdleError: (err: Error) => void = () => {}): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, application_name: 'debrief', connectionTimeoutMillis: 10_000 });
  // A connection that dies (the server restarted or crashed) is reported, never a crash of the process:
  // the pool drops an idle one itself; one checked out (a transaction between two statements) has no
  // listener of the pool's, and an 'error' event without one would throw. Its next statement fails
  // instead, as unavailable (db/dialect.ts), and the pool drops it when it is released.
  pool.on('error', onIdleError);
  pool.on('connect', (client) => client.on('error', onIdleError));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }), plugins: [inListsAsArrays] });
  return { db, pool };
}

/**
 * Open the database file with the pragmas the product relies on:
 * - WAL: readers never block the writer;
 * - synchronous=FULL: an acknowledged commit survives power loss, not only a process crash
 *   (our stance for audit rows and chat messages; WAL+NORMAL could lose the last commits);
 * - foreign_keys=ON: SQLite leaves them off by default;
 * - busy_timeout: wait for a lock held by another process (a backup, the demo seeder) instead of failing.
 */
export function openDatabase(file: string): { db: Db; sqlite: Database.Database } {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  cacheStatements(sqlite);
  const db = new Kysely<Schema>({ dialect: new DebriefSqliteDialect(sqlite) });
  return { db, sqlite };
}

/**
 * Reuse one prepared statement per distinct SQL text. Kysely's SQLite driver prepares every query
 * anew, which on the busiest paths (a chat send runs a dozen small queries) costs more than the
 * queries themselves. Sharing is safe: better-sqlite3 runs a statement to completion synchronously
 * (`all`/`run`; we never hold an iterator), so no two uses of one statement overlap. Bounded: the
 * app has a few hundred distinct queries; anything beyond (an `in (…)` list of every length) is
 * dropped and re-prepared.
 */
function cacheStatements(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (cache.size >= 2000) cache.clear();
      cache.set(source, stmt);
    }
    return stmt;
  }) as typeof sqlite.prepare;
}
