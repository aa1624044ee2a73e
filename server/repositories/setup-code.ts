import type { Kysely, Selectable } from 'kysely';
import type { Database, SetupCodeTable } from '../../db/schema.js';

/** The one first-run setup code's row (hash only); its rules are in server/auth/setup.ts. */

type Db = Kysely<Database>;

/**
 * Store a new code's hash unless another instance holds one now: inserts the row, or replaces a
 * row whose hold ended before `now` (its issuer stopped or died). One statement: of instances
 * starting at once, one wins; on PostgreSQL the others wait for its row and then find it held.
 * True when this code is the one.
 */
export async function issueSetupCode(db: Db, codeHash: string, now: number, heldUntil: number): Promise<boolean> {
  const row = await db
    .insertInto('setup_code')
    .values({ id: 1, code_hash: codeHash, issued_at: now, held_until: heldUntil })
    .onConflict((oc) => oc.column('id').doUpdateSet({ code_hash: codeHash, issued_at: now, held_until: heldUntil }).where('setup_code.held_until', '<', now))
    .returning('id')
    .executeTakeFirst();
  return !!row;
}

/** Renew (or with 0, end) the hold on the code whose hash is `codeHash`; false when it is no longer stored (used or replaced). */
export async function holdSetupCode(db: Db, codeHash: string, heldUntil: number): Promise<boolean> {
  const res = await db.updateTable('setup_code').set({ held_until: heldUntil }).where('id', '=', 1).where('code_hash', '=', codeHash).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The stored code, if any. */
export function findSetupCode(db: Db): Promise<Selectable<SetupCodeTable> | undefined> {
  return db.selectFrom('setup_code').selectAll().where('id', '=', 1).executeTakeFirst();
}

/**
 * Void the code whose hash is `codeHash` (inside the transaction that creates the first admin):
 * true when it was the stored one. Of two setups at once, the second finds it gone.
 */
export async function deleteSetupCode(trx: Db, codeHash: string): Promise<boolean> {
  const row = await trx.deleteFrom('setup_code').where('id', '=', 1).where('code_hash', '=', codeHash).returning('id').executeTakeFirst();
  return !!row;
}
