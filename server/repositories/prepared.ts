import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

type Db = Kysely<Database>;

const SLOT = '\u0000debrief-slot:';

/**
 * A query built and compiled once per dialect, then run with new values: for the few queries on
 * every request and socket event, where building a Kysely query costs more than running it.
 * `build` writes the query with `slot(i)` where the i-th argument goes; anything else it uses
 * is fixed at the first call.
 */
export function prepared<A extends unknown[], O>(build: (db: Db, slot: (i: number) => never) => Compilable<O>) {
  const compiled = new WeakMap<object, CompiledQuery<O>>();
  return async (db: Db, ...args: A): Promise<O[]> => {
    const key = db.getExecutor().adapter;
    let q = compiled.get(key);
    if (!q) compiled.set(key, (q = build(db, (i) => `${SLOT}${i}` as never).compile()));
    // A slot may sit inside an array value too (an `in` list, sent as one array on PostgreSQL: db/pg-prepared.ts).
    const fill = (p: unknown): unknown =>
      typeof p === 'string' && p.startsWith(SLOT) ? args[Number(p.slice(SLOT.length))] : Array.isArray(p) ? p.map(fill) : p;
    const parameters = q.parameters.map(fill);
    return (await db.executeQuery<O>({ ...q, parameters })).rows;
  };
}
