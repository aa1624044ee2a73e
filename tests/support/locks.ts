import { sql } from 'kysely';
import type { Db } from '../../db/client.js';
import type { Trx } from './interleave.js';

/**
 * PostgreSQL lock races driven by the test, without sleeps: a transaction of the test's own holds
 * a lock while the app's requests start, and lets go only once as many of them as expected are
 * waiting for a lock (pg_locks), so each request has passed its checks by then.
 */

/** How many backends of this database are waiting for a lock now. */
async function lockWaiters(db: Db): Promise<number> {
  const { rows } = await sql<{ n: string | number }>`
    select count(*) as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where not l.granted and a.datname = current_database()`.execute(db);
  return Number(rows[0]!.n);
}

/** Resolves once at least `n` backends wait for a lock (throws after 10 s: the race did not happen). */
export async function untilWaiting(db: Db, n: number): Promise<void> {
  const until = Date.now() + 10_000;
  while ((await lockWaiters(db)) < n) {
    if (Date.now() > until) throw new Error(`never ${n} waiting for a lock`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Run `hold` in a transaction and keep it open while `others` start; once `waiters` backends wait
 * for a lock, run `then` in the same transaction (e.g. ask for the event log's lock) and commit.
 * Returns how the held transaction ended and what `others` gave.
 */
export async function holding<R>(
  db: Db,
  hold: (trx: Trx) => Promise<unknown>,
  others: () => Promise<R>,
  waiters: number,
  then: (trx: Trx) => Promise<unknown> = async () => {},
): Promise<[PromiseSettledResult<unknown>, R]> {
  let held = () => {};
  const isHeld = new Promise<void>((r) => (held = r));
  let release = () => {};
  const released = new Promise<void>((r) => (release = r));
  const mine = db.transaction().execute(async (trx) => {
    await hold(trx);
    held();
    await released;
    await then(trx);
  });
  await isHeld;
  const theirs = others();
  await untilWaiting(db, waiters).finally(release);
  const [ended] = await Promise.allSettled([mine]);
  return [ended!, await theirs];
}
