import Database from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect } from 'kysely';
import type { Database as Schema } from './schema.js';

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

class DebriefSqliteDialect extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new TransactionalSqliteAdapter();
  }
}

export type Db = Kysely<Schema>;

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
  const db = new Kysely<Schema>({ dialect: new DebriefSqliteDialect({ database: sqlite }) });
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
