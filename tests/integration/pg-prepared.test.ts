import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../db/client.js';
import { MAX_PREPARED, PREPARE_AFTER } from '../../db/pg-prepared.js';
import { prepared as preparedQuery } from '../../server/repositories/prepared.js';
import { pgDatabaseForSuite } from '../support/app.js';

/**
 * PostgreSQL connections prepare the statements sent often (db/pg-prepared.ts), against a real
 * server: what each connection holds is read from `pg_prepared_statements`, on a pool of one
 * connection so every statement runs on the connection asked.
 */
describe('prepared statements on PostgreSQL', () => {
  const database = pgDatabaseForSuite();

  const prepared = async (db: Kysely<any>) =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements order by statement`.execute(db)).rows.map((r) => r.statement);

  it(`a statement with values is prepared on send number ${PREPARE_AFTER} (not before), and answers the same`, async () => {
    const db = openPostgres(database.url, 1).db;
    try {
      const text = 'select $1::int + 1 as n';
      const run = async (v: number) => (await sql<{ n: number }>`select ${v}::int + 1 as n`.execute(db)).rows[0]!.n;
      for (let i = 1; i < PREPARE_AFTER; i++) expect(await run(i)).toBe(i + 1);
      expect(await prepared(db)).toEqual([]);
      expect(await run(41)).toBe(42);
      expect(await prepared(db)).toEqual([text]);
      // Planned for each call's values all the same (a generic plan could suit the average client only).
      expect((await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(db)).rows[0]!.plan_cache_mode).toBe('force_custom_plan');
      // Sent again: the same prepared statement, with each send's own values.
      for (const v of [7, -3, 1000]) expect(await run(v)).toBe(v + 1);
      expect(await prepared(db)).toEqual([text]);
    } finally {
      await db.destroy();
    }
  });

  it('statements without values (transactions, DDL, constant reads) are never prepared', async () => {
    const db = openPostgres(database.url, 1).db;
    try {
      for (let i = 0; i < PREPARE_AFTER + 2; i++) {
        await db.transaction().execute(async (trx) => {
          await sql`select 1 as one`.execute(trx);
        });
      }
      expect(await prepared(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it(`at most ${MAX_PREPARED} texts are prepared; the others still run, unprepared`, async () => {
    const db = openPostgres(database.url, 1).db;
    try {
      for (let k = 0; k < MAX_PREPARED + 5; k++)
        for (let i = 0; i < PREPARE_AFTER; i++) expect((await sql<{ n: number }>`select ${k}::int + ${sql.lit(k)} as n`.execute(db)).rows[0]!.n).toBe(2 * k);
      expect((await prepared(db)).length).toBe(MAX_PREPARED);
    } finally {
      await db.destroy();
    }
  });

  it('`in` and `not in` lists of every length are one statement, prepared once, with the same answers (an empty list: none, or all)', async () => {
    const db = openPostgres(database.url, 1).db;
    try {
      await sql`create table pg_in_probe (id bigint primary key, name text)`.execute(db);
      await db
        .insertInto('pg_in_probe' as never)
        .values([1, 2, 3, 4, 5].map((id) => ({ id, name: `n${id}` })) as never)
        .execute();
      const ids = async (op: 'in' | 'not in', list: unknown[]) =>
        (
          await db
            .selectFrom('pg_in_probe' as never)
            .select('id' as never)
            .where('id' as never, op, list as never)
            .orderBy('id' as never)
            .execute()
        ).map((r) => (r as { id: number }).id);
      const names = async (list: string[]) =>
        (
          await db
            .selectFrom('pg_in_probe' as never)
            .select('id' as never)
            .where('name' as never, 'in', list as never)
            .orderBy('id' as never)
            .execute()
        ).map((r) => (r as { id: number }).id);
      for (let k = 0; k < PREPARE_AFTER; k++) {
        expect(await ids('in', [2])).toEqual([2]);
        expect(await ids('in', [5, 1, 3, 99])).toEqual([1, 3, 5]);
        expect(await ids('in', [])).toEqual([]);
        expect(await ids('not in', [1, 2])).toEqual([3, 4, 5]);
        expect(await ids('not in', [])).toEqual([1, 2, 3, 4, 5]);
        expect(await names(['n4', 'n2', "o'brien", 'a,b', '{"}'])).toEqual([2, 4]);
      }
      expect((await prepared(db)).sort()).toEqual([
        'select "id" from "pg_in_probe" where "id" <> all($1) order by "id"',
        'select "id" from "pg_in_probe" where "id" = any($1) order by "id"',
        'select "id" from "pg_in_probe" where "name" = any($1) order by "id"',
      ]);
      // A query compiled once with its slots inside the list (server/repositories/prepared.ts) takes each call's values.
      const byIds = preparedQuery<[number, number], { id: number }>((d, slot) =>
        d
          .selectFrom('pg_in_probe' as never)
          .select('id' as never)
          .where('id' as never, 'in', [slot(0), slot(1)] as never)
          .orderBy('id' as never),
      );
      expect(await byIds(db as never, 4, 2)).toEqual([{ id: 2 }, { id: 4 }]);
      expect(await byIds(db as never, 5, 9)).toEqual([{ id: 5 }]);
    } finally {
      await sql`drop table if exists pg_in_probe`.execute(db);
      await db.destroy();
    }
  });

  it('a schema change that alters a prepared statement’s result fails that statement once; its connection is dropped and the next send answers', async () => {
    const db = openPostgres(database.url, 1).db;
    try {
      await sql`create table pg_prepared_probe (id int primary key, a text)`.execute(db);
      await sql`insert into pg_prepared_probe values (1, 'x')`.execute(db);
      const read = () =>
        db
          .selectFrom('pg_prepared_probe' as never)
          .selectAll()
          .where('id' as never, '=', 1 as never)
          .execute();
      for (let i = 0; i < PREPARE_AFTER; i++) expect(await read()).toEqual([{ id: 1, a: 'x' }]);
      expect((await prepared(db)).length).toBe(1);
      await sql`alter table pg_prepared_probe add column b text default 'y'`.execute(db);
      await expect(read()).rejects.toThrow(/cached plan must not change result type/);
      // A fresh connection: nothing prepared on it yet, and the new column is there.
      expect(await prepared(db)).toEqual([]);
      expect(await read()).toEqual([{ id: 1, a: 'x', b: 'y' }]);
    } finally {
      await sql`drop table if exists pg_prepared_probe`.execute(db);
      await db.destroy();
    }
  });
});
