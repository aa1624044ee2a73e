import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../db/client.js';
import { greatest, isForeignKeyViolation, isUnavailable, isUniqueViolation, lockEventLog, transact } from '../../db/dialect.js';
import { knownError } from '../../server/errors.js';
import { bothDatabases, freePort } from '../support/app.js';

/**
 * The dialect module against both real databases: the same helper gives the same answer on
 * SQLite and PostgreSQL, and the errors each driver raises are recognised by their codes.
 */
const dbs = bothDatabases();

describe.each([
  ['SQLite', () => dbs.sqlite],
  ['PostgreSQL', () => dbs.postgres],
])('the dialect helpers on %s', (_name, dbOf) => {
  it('greatest() is the larger of two values, and times round-trip as exact numbers', async () => {
    const db: Kysely<any> = dbOf();
    const now = Date.now();
    const { rows } = await sql<{
      g: number;
      t: number;
      n: number;
    }>`select ${greatest(db, sql.lit(3), sql.lit(7))} as g, ${greatest(db, sql.lit(9), sql.lit(2))} as n, ${now} as t`.execute(db);
    expect(rows[0]!.g).toBe(7);
    expect(rows[0]!.n).toBe(9);
    expect(Number(rows[0]!.t)).toBe(now);
    await db.insertInto('firm').values({ id: 1, name: 'Firm', created_at: now, updated_at: now }).execute();
    const firm = await db.selectFrom('firm').select(['created_at', 'event_floor']).executeTakeFirstOrThrow();
    expect(firm.created_at).toBe(now);
    expect(typeof firm.event_floor).toBe('number');
    const count = await db
      .selectFrom('firm')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('a duplicate e-mail in any case is a unique violation, by code', async () => {
    const db: Kysely<any> = dbOf();
    const now = Date.now();
    const user = (id: string, email: string) => ({ id, kind: 'staff', role: 'admin', email, name: 'A', status: 'active', created_at: now, updated_at: now });
    await db.insertInto('users').values(user('u1', 'ada@example.com')).execute();
    const err = await db
      .insertInto('users')
      .values(user('u2', 'ADA@example.com'))
      .execute()
      .catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect(isUnavailable(err)).toBe(false);
  });

  it('a row referring to one that is not there is a foreign-key violation, by code: a 409 conflict, not a 500', async () => {
    const db: Kysely<any> = dbOf();
    const now = Date.now();
    const err = await db
      .insertInto('sessions')
      .values({
        id: 'nobody-session',
        user_id: 'no-such-user',
        secret_hash: Buffer.alloc(32),
        mfa_verified: 0,
        created_at: now,
        last_active_at: now,
        expires_at: now + 1000,
      })
      .execute()
      .catch((e: unknown) => e);
    expect(isForeignKeyViolation(err)).toBe(true);
    expect(isUniqueViolation(err)).toBe(false);
    expect(knownError(err)).toMatchObject({ status: 409, code: 'conflict' });
  });

  it('transact runs work again that was aborted as a deadlock, keeping nothing of the aborted tries; the third abort and other errors reach the caller', async () => {
    const db: Kysely<any> = dbOf();
    const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const rows = async (action: string) =>
      (
        await db
          .selectFrom('audit_events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('action', '=', action)
          .executeTakeFirstOrThrow()
      ).n;
    const write = (trx: Kysely<any>, action: string) => trx.insertInto('audit_events').values({ at: Date.now(), action, outcome: 'success' }).execute();
    let tries = 0;
    const value = await transact(db, async (trx) => {
      await write(trx, 'test.retried');
      if (++tries < 3) throw deadlock();
      return 'done';
    });
    expect([value, tries, await rows('test.retried')]).toEqual(['done', 3, 1]);

    tries = 0;
    const always = await transact(db, async (trx) => {
      await write(trx, 'test.aborted');
      tries++;
      throw deadlock();
    }).catch((e: unknown) => e);
    expect([tries, isUnavailable(always), await rows('test.aborted')]).toEqual([3, true, 0]);

    tries = 0;
    const other = await transact(db, async () => {
      tries++;
      throw new Error('not a deadlock');
    }).catch((e: unknown) => e);
    expect([tries, (other as Error).message]).toEqual([1, 'not a deadlock']);
  });
});

describe('PostgreSQL only', () => {
  it('a writer of the event log waits for the one holding its lock, and gives up after the lock timeout as "unavailable"', async () => {
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    let locked = () => {};
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = dbs.postgres.transaction().execute(async (trx) => {
      await lockEventLog(trx);
      locked();
      await held;
    });
    await isLocked;
    const started = Date.now();
    const err = await dbs.postgres
      .transaction()
      .execute((trx) => lockEventLog(trx))
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    expect(isUnavailable(err)).toBe(true);
    release();
    await holder;
    await dbs.postgres.transaction().execute((trx) => lockEventLog(trx)); // free again
    await expect(lockEventLog(dbs.postgres)).rejects.toThrow(/only inside a transaction/);
  }, 30_000);

  it('a server that is not there is "unavailable"', async () => {
    const gone = openPostgres(dbs.url.replace(/:\d+\//, `:${await freePort()}/`), 1).db;
    const err = await sql`select 1`.execute(gone).catch((e: unknown) => e);
    await gone.destroy();
    expect(isUnavailable(err)).toBe(true);
    expect(isUniqueViolation(err)).toBe(false);
  });
});
