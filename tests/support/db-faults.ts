import { sql } from 'kysely';
import { dialectOf, type Db } from '../../db/client.js';

/**
 * Faults a test injects into the real database with a trigger, on SQLite or PostgreSQL alike.
 * Each returns the function that removes the trigger again.
 */
async function trigger(db: Db, name: string, table: string, when: 'before' | 'after', sqliteBody: string, pgBody: string): Promise<() => Promise<void>> {
  if (dialectOf(db) === 'postgres') {
    await sql.raw(`create function ${name}() returns trigger language plpgsql as $$ begin ${pgBody} end $$`).execute(db);
    await sql.raw(`create trigger ${name} ${when} insert on ${table} for each row execute function ${name}()`).execute(db);
    return async () => {
      await sql.raw(`drop trigger ${name} on ${table}`).execute(db);
      await sql.raw(`drop function ${name}()`).execute(db);
    };
  }
  await sql.raw(`create trigger ${name} ${when} insert on ${table} begin ${sqliteBody} end`).execute(db);
  return async () => void (await sql.raw(`drop trigger ${name}`).execute(db));
}

/** Every insert into `table` fails with `message` (the database's own error, as a broken disk or a constraint would give). */
export const refuseInserts = (db: Db, table: string, message: string) =>
  trigger(db, `refuse_${table}`, table, 'before', `select raise(abort, '${message}');`, `raise exception '${message}';`);

/** A row inserted into `table` is deleted again at once (written, but never to be read back). */
export const vanishAfterInsert = (db: Db, table: string) =>
  trigger(db, `vanish_${table}`, table, 'after', `delete from ${table} where id = new.id;`, `delete from ${table} where id = new.id; return null;`);
