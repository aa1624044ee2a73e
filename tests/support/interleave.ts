import type { Transaction } from 'kysely';
import type { Db } from '../../db/client.js';
import type { Database } from '../../db/schema.js';

export type Trx = Transaction<Database>;

/**
 * A deterministic race of two transactions on `db`: run `first` in a transaction held open after
 * it returned (its check-and-write done, not committed), start `second` meanwhile, then let the
 * first commit. On SQLite the second simply waits for the first; on PostgreSQL it runs against
 * the first's uncommitted writes and must lose cleanly. Returns the first's result and how the
 * second ended.
 */
export async function interleave<A, B>(db: Db, first: (trx: Trx) => Promise<A>, second: (trx: Trx) => Promise<B>): Promise<[A, PromiseSettledResult<B>]> {
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  let checked = () => {};
  const isChecked = new Promise<void>((r) => (checked = r));
  const one = db.transaction().execute(async (trx) => {
    const a = await first(trx);
    checked();
    await held;
    return a;
  });
  await isChecked;
  // Settled at once: a second that fails while the first commits is not an unhandled rejection.
  const two = Promise.allSettled([db.transaction().execute(second)]);
  await new Promise((r) => setTimeout(r, 300));
  release();
  return [await one, (await two)[0]!];
}
