import { sql, type Expression, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { dialectOf } from './client.js';

/**
 * The few places where SQLite and PostgreSQL need different SQL or report errors differently.
 * Everything else is written once through Kysely.
 */

/** The larger of two values: SQLite's two-argument scalar `max`, PostgreSQL's `greatest`. */
export function greatest<T>(db: Kysely<any>, a: Expression<T>, b: Expression<T>): RawBuilder<T> {
  return dialectOf(db) === 'postgres' ? sql<T>`greatest(${a}, ${b})` : sql<T>`max(${a}, ${b})`;
}

/** The PostgreSQL notification channel on which committed appends to the event log are announced. */
export const FEED_CHANNEL = 'debrief_events';

/** Any key for the event log's transaction-scoped lock: the same on every instance. */
const EVENT_LOG_LOCK = 4_2_0_1_9;
/** How long a writer waits for the event log's lock before it gives up (the request gets a 503, nothing written). */
const EVENT_LOCK_TIMEOUT = '5s';

/**
 * The event log's positions must be dense and in commit order: the live feed sends every event
 * above the last position it sent, so a position committed after a higher one would never be
 * sent (nor caught up). SQLite has one writer at a time, so nothing is needed. On PostgreSQL,
 * every transaction that appends events (or writes chat ids used as read cursors) takes this
 * transaction-scoped lock first: writers of the log commit one after another, in position order.
 * The same statement sends a notification on FEED_CHANNEL, which PostgreSQL delivers to every
 * listener only once the transaction commits (never for one that rolled back): every instance's
 * feed wakes up and reads what was appended. Asking again in the same transaction costs nothing.
 */
export async function lockEventLog(trx: Kysely<any>): Promise<void> {
  if (dialectOf(trx) !== 'postgres' || locked.has(trx)) return;
  if (!trx.isTransaction) throw new Error('the event log is written only inside a transaction');
  await sql.raw(`set local lock_timeout = '${EVENT_LOCK_TIMEOUT}'`).execute(trx);
  await sql`select pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK)}), pg_notify(${sql.lit(FEED_CHANNEL)}, '')`.execute(trx);
  locked.add(trx);
}
/** Transactions that hold the lock (a Kysely transaction object lives as long as its transaction). */
const locked = new WeakSet<object>();

/**
 * The audit chain's head (issue 15, point 14): each audit row's hash covers the previous row's,
 * so two writers must not read the same head, or the chain forks. SQLite has one writer at a
 * time. On PostgreSQL the head is guarded by the event log's lock (the same key, without its
 * notification): most audit rows are written in transactions that append events and take that
 * lock anyway, and a second key would deadlock with a command that writes its audit row before
 * its events while another does the opposite. Held until the transaction ends; asked again, free.
 */
export async function lockAuditChain(trx: Kysely<any>): Promise<void> {
  if (dialectOf(trx) !== 'postgres' || locked.has(trx) || chainLocked.has(trx)) return;
  if (!trx.isTransaction) throw new Error('the audit chain is written only inside a transaction');
  await sql.raw(`set local lock_timeout = '${EVENT_LOCK_TIMEOUT}'`).execute(trx);
  await sql`select pg_advisory_xact_lock(${sql.lit(EVENT_LOG_LOCK)})`.execute(trx);
  chainLocked.add(trx);
}
const chainLocked = new WeakSet<object>();

/** The periodic jobs that run on one instance at a time, each with its own advisory lock key (distinct from EVENT_LOG_LOCK). */
const JOB_LOCKS = { 'prune-events': 4_2_0_2_0, 'prune-pending-attachments': 4_2_0_2_1, 'audit-checkpoint': 4_2_0_2_2 } as const;
export type JobLock = keyof typeof JOB_LOCKS;

/**
 * Take the job's transaction-scoped lock if nobody holds it, without waiting: true when this
 * transaction may do the job, false when another instance is doing it right now (skip; the next
 * round will catch up). Held until the transaction ends. SQLite runs one writer at a time: always true.
 */
export async function tryJobLock(trx: Kysely<any>, job: JobLock): Promise<boolean> {
  if (dialectOf(trx) !== 'postgres') return true;
  if (!trx.isTransaction) throw new Error('a job lock is taken only inside a transaction');
  const { rows } = await sql<{ granted: boolean }>`select pg_try_advisory_xact_lock(${sql.lit(JOB_LOCKS[job])}) as granted`.execute(trx);
  return rows[0]!.granted;
}

/** Tables whose rows a transaction may lock (uuid-keyed parents of read-modify-write steps). */
export type LockableTable = 'projects' | 'findings' | 'users' | 'clients' | 'evidence';

/**
 * Lock one row of `table` until the transaction ends, before a read-modify-write that depends on
 * it (the next version or round number of a project or finding: two writers at once number one
 * after the other). SQLite's one connection already runs writers one at a time.
 */
export async function lockRow(trx: Kysely<any>, table: LockableTable, id: string): Promise<void> {
  await lockRows(trx, table, [id]);
}

/**
 * Lock several rows of `table`, in id order: two transactions locking overlapping sets take them
 * in the same order, so they wait for each other instead of deadlocking.
 */
export async function lockRows(trx: Kysely<any>, table: LockableTable, ids: readonly string[]): Promise<void> {
  if (dialectOf(trx) !== 'postgres' || !ids.length) return;
  // NO KEY UPDATE: two of these wait for each other, while rows that merely reference this one
  // (a comment on the finding, checked by its foreign key) are not held up — no deadlock with a
  // writer that holds the event log's lock and inserts such a row.
  await trx
    .selectFrom(table)
    .select('id')
    .where('id', 'in', [...ids])
    .orderBy('id')
    .forNoKeyUpdate()
    .execute();
}

/** Codes both drivers give: better-sqlite3's `SQLITE_*` extended codes, PostgreSQL's SQLSTATE, Node's socket errors. */
const codeOf = (err: unknown) => (typeof err === 'object' && err !== null ? String((err as { code?: unknown }).code ?? '') : '');

/** A unique or primary key already holds this value. */
export const isUniqueViolation = (err: unknown): boolean => ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', '23505'].includes(codeOf(err));

/** A row refers to one that is not there (or a row still referred to was deleted): it changed meanwhile. */
export const isForeignKeyViolation = (err: unknown): boolean => ['SQLITE_CONSTRAINT_FOREIGNKEY', '23503'].includes(codeOf(err));

/** PostgreSQL aborted the transaction (serialization failure, deadlock): nothing of it was kept, and running it again may succeed. */
const RETRYABLE = new Set(['40001', '40P01']);
export const isRetryable = (err: unknown): boolean => RETRYABLE.has(codeOf(err));

/** How many times `transact` runs a transaction that PostgreSQL aborted as a serialization failure or deadlock. */
const ATTEMPTS = 3;

/**
 * Run `work` in a transaction; when PostgreSQL aborts it as a serialization failure or a deadlock
 * (nothing of it kept), run it again, up to 3 times in all, after a short random pause. `work`
 * must do nothing outside the transaction that a second run would repeat (files, mail, pushes:
 * after the commit). Still aborted after the last attempt: the error is `isUnavailable` (503).
 */
export async function transact<DB, T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      if (!isRetryable(err) || attempt >= ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

const UNAVAILABLE = new Set([
  '40001',
  '40P01',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'SQLITE_BUSY',
]);
/** What `pg` says without a code when a connection dies under a query or none can be had in time. */
const PG_CONNECTION_LOST = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * The database could not do the work now, and nothing of it was committed: the server is down,
 * restarting or refusing connections (SQLSTATE class 08, 57P0x, 53300), a connection died under
 * the query, the event log's lock was not granted in time (55P03), a transaction was still aborted
 * as a serialization failure or deadlock after its retries (40001, 40P01), or SQLite's file stayed busy.
 * The request gets a 503 and may be tried again.
 */
export function isUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  return code.startsWith('08') || UNAVAILABLE.has(code) || (err instanceof Error && !code && PG_CONNECTION_LOST.test(err.message));
}

/**
 * The disk (or the quota) is full: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100), Node's
 * ENOSPC and EDQUOT. Nothing of the write was kept; it can succeed once space is freed.
 */
const FULL = new Set(['SQLITE_FULL', '53100', 'ENOSPC', 'EDQUOT']);
export const isStorageFull = (err: unknown): boolean => FULL.has(codeOf(err));
