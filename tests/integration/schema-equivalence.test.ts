import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../db/client.js';
import { bothDatabases } from '../support/app.js';

/**
 * One schema on two databases: SQLite's migrations (frozen) and PostgreSQL's (a baseline, then
 * the same later ones) must give the same tables and columns in the same order, with the same
 * type families, nullability, defaults, primary and unique keys (expression and partial ones
 * too), indexes, foreign keys with their on-delete, and checks. Any drift fails here. Triggers
 * can't be compared as text across dialects: their behaviour is tested on both below.
 *
 * One deliberate difference: the audit log's free-text search is SQLite's FTS5 table
 * (`audit_events_fts` and its shadow tables, kept in step by the `audit_events_fts_*` triggers) and
 * PostgreSQL's GIN index `audit_events_search` (db/migrations/2026-12-06T1300_audit-search.ts);
 * both are left out of the comparison and tested by tests/integration/audit-plans.test.ts.
 */
const SEARCH_ONLY = /^audit_events_(fts|search)(_|$)/;

type Column = { name: string; family: string; notNull: boolean; default: string | null };
interface Shape {
  tables: Record<string, Column[]>;
  primaryKeys: Record<string, string[]>;
  /** "table(col, expr…) where …" for every unique key, sorted. */
  uniques: string[];
  /** "name on table(cols)" for every other index, sorted. */
  indexes: string[];
  /** "table(cols) -> table(cols) on delete X", sorted. */
  foreignKeys: string[];
  /** "table: columns | literals" per check, sorted. */
  checks: string[];
  triggers: string[];
}

const family = (declared: string): string => {
  const t = declared.toLowerCase();
  if (/int/.test(t)) return 'integer';
  if (/char|text|clob/.test(t)) return 'text';
  if (/real|floa|doub|numeric/.test(t)) return 'float';
  if (/blob|bytea/.test(t)) return 'bytes';
  return `?${t}`;
};
/** A default as a value: PostgreSQL's casts (`'x'::text`) and SQLite's quoting agree once stripped. */
const defaultOf = (d: string | null): string | null => (d === null ? null : d.replace(/::[a-z ]+$/i, '').replace(/^\((.*)\)$/, '$1'));
/** A check's fingerprint: the columns it names and the literals it compares with (text forms differ: `in (…)` vs `= ANY (ARRAY[…])`). */
function checkPrint(table: string, columns: string[], expr: string): string {
  const literals = [...expr.matchAll(/'((?:[^']|'')*)'|\b(\d+(?:\.\d+)?)\b/g)].map((m) => m[1] ?? m[2]!);
  const named = columns.filter((c) => new RegExp(`\\b${c}\\b`).test(expr.replace(/'(?:[^']|'')*'/g, '')));
  return `${table}: ${[...new Set(named)].sort().join(', ')} | ${[...new Set(literals)].sort().join(', ')}`;
}
/** The parenthesised expressions after each CHECK in a CREATE TABLE statement. */
function checksIn(createSql: string): string[] {
  const out: string[] = [];
  const re = /\bcheck\s*\(/gi;
  for (let m = re.exec(createSql); m; m = re.exec(createSql)) {
    let depth = 1;
    let i = re.lastIndex;
    for (; i < createSql.length && depth > 0; i++) {
      if (createSql[i] === '(') depth++;
      else if (createSql[i] === ')') depth--;
    }
    out.push(createSql.slice(re.lastIndex, i - 1));
  }
  return out;
}

async function sqliteShape(db: Db): Promise<Shape> {
  const rows = async <T>(q: string) => (await sql.raw(q).execute(db)).rows as T[];
  const tables = (
    await rows<{ name: string; sql: string }>(
      "select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name",
    )
  ).filter((t) => !SEARCH_ONLY.test(t.name));
  const shape: Shape = { tables: {}, primaryKeys: {}, uniques: [], indexes: [], foreignKeys: [], checks: [], triggers: [] };
  for (const t of tables) {
    const cols = await rows<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(`pragma table_info(${t.name})`);
    const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    shape.primaryKeys[t.name] = pk.map((c) => c.name);
    shape.tables[t.name] = cols.map((c) => ({ name: c.name, family: family(c.type), notNull: c.notnull === 1 || c.pk > 0, default: defaultOf(c.dflt_value) }));
    for (const ix of await rows<{ name: string; unique: number; origin: string; partial: number }>(`pragma index_list(${t.name})`)) {
      if (ix.origin === 'pk') continue;
      const parts = await rows<{ seqno: number; cid: number; name: string | null; coll: string; key: number }>(`pragma index_xinfo(${ix.name})`);
      const keyCols = parts.filter((p) => p.key === 1).sort((a, b) => a.seqno - b.seqno);
      const def = (await rows<{ sql: string | null }>(`select sql from sqlite_master where type = 'index' and name = '${ix.name}'`))[0]?.sql ?? '';
      const cols = keyCols.map((p) => (p.cid === -2 ? '<expr>' : p.coll.toUpperCase() === 'NOCASE' ? `lower(${p.name})` : p.name!));
      const where = ix.partial ? ` where ${/\bwhere\b([\s\S]*)$/i.exec(def)![1]!.trim().toLowerCase()}` : '';
      if (ix.unique) shape.uniques.push(`${t.name}(${cols.join(', ')})${where}`);
      else shape.indexes.push(`${ix.name} on ${t.name}(${cols.join(', ')})${where}`);
    }
    const fks = await rows<{ id: number; seq: number; table: string; from: string; to: string; on_delete: string }>(`pragma foreign_key_list(${t.name})`);
    for (const id of new Set(fks.map((f) => f.id))) {
      const parts = fks.filter((f) => f.id === id).sort((a, b) => a.seq - b.seq);
      shape.foreignKeys.push(
        `${t.name}(${parts.map((p) => p.from).join(', ')}) -> ${parts[0]!.table}(${parts.map((p) => p.to).join(', ')}) on delete ${parts[0]!.on_delete.toLowerCase()}`,
      );
    }
    for (const expr of checksIn(t.sql))
      shape.checks.push(
        checkPrint(
          t.name,
          cols.map((c) => c.name),
          expr,
        ),
      );
  }
  shape.triggers = (await rows<{ name: string }>("select name from sqlite_master where type = 'trigger' order by name"))
    .map((r) => r.name)
    .filter((n) => !SEARCH_ONLY.test(n));
  for (const k of ['uniques', 'indexes', 'foreignKeys', 'checks'] as const) shape[k].sort();
  return shape;
}

const PG_ON_DELETE: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

async function postgresShape(db: Db): Promise<Shape> {
  const rows = async <T>(q: string) => (await sql.raw(q).execute(db)).rows as T[];
  const shape: Shape = { tables: {}, primaryKeys: {}, uniques: [], indexes: [], foreignKeys: [], checks: [], triggers: [] };
  const cols = await rows<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
    `select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
     where table_schema = 'public' and table_name not like 'kysely_%' order by table_name, ordinal_position`,
  );
  for (const c of cols)
    (shape.tables[c.table_name] ??= []).push({
      name: c.column_name,
      family: family(c.data_type),
      notNull: c.is_nullable === 'NO',
      default: defaultOf(c.column_default),
    });
  const indexes = await rows<{ table: string; name: string; unique: boolean; primary: boolean; cols: string[]; pred: string | null }>(
    `select t.relname as table, i.relname as name, ix.indisunique as unique, ix.indisprimary as primary,
            array(select pg_get_indexdef(ix.indexrelid, k, true) from generate_series(1, ix.indnkeyatts) k order by k) as cols,
            pg_get_expr(ix.indpred, ix.indrelid, true) as pred
     from pg_index ix join pg_class i on i.oid = ix.indexrelid join pg_class t on t.oid = ix.indrelid
     join pg_namespace n on n.oid = t.relnamespace
     where n.nspname = 'public' and t.relname not like 'kysely_%'`,
  );
  for (const ix of indexes.filter((i) => !SEARCH_ONLY.test(i.name))) {
    ix.cols = ix.cols.map((c) => c.replace(/"/g, '')); // "position": quoted as a keyword
    // A partial index's predicate without PostgreSQL's casts: `kind = 'chat'::text` is SQLite's `kind = 'chat'`.
    const where = ix.pred ? ` where ${ix.pred.replace(/::[a-z_]+(\[\])?/gi, '').toLowerCase()}` : '';
    if (ix.primary) shape.primaryKeys[ix.table] = ix.cols;
    else if (ix.unique) shape.uniques.push(`${ix.table}(${ix.cols.join(', ')})${where}`);
    // An expression key is `<expr>` on both sides (SQLite's pragmas don't give its text; the dialects' function names differ anyway).
    else shape.indexes.push(`${ix.name} on ${ix.table}(${ix.cols.map((c) => (c.includes('(') ? '<expr>' : c)).join(', ')})${where}`);
  }
  const constraints = await rows<{
    table: string;
    type: string;
    def: string;
    cols: string[];
    ref: string | null;
    ref_cols: string[] | null;
    on_delete: string;
  }>(
    `select t.relname as table, c.contype as type, pg_get_constraintdef(c.oid, true) as def,
            array(select a.attname::text from unnest(c.conkey) with ordinality k(n, o) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.o) as cols,
            r.relname as ref,
            array(select a.attname::text from unnest(c.confkey) with ordinality k(n, o) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.o) as ref_cols,
            c.confdeltype as on_delete
     from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
     left join pg_class r on r.oid = c.confrelid
     where n.nspname = 'public' and c.contype in ('f', 'c')`,
  );
  for (const c of constraints) {
    if (c.type === 'f')
      shape.foreignKeys.push(`${c.table}(${c.cols.join(', ')}) -> ${c.ref}(${c.ref_cols!.join(', ')}) on delete ${PG_ON_DELETE[c.on_delete]}`);
    else
      shape.checks.push(
        checkPrint(
          c.table,
          shape.tables[c.table]!.map((x) => x.name),
          c.def.replace(/::[a-z_]+(\[\])?/gi, ''),
        ),
      );
  }
  shape.triggers = (
    await rows<{ name: string }>(`select tgname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid where not t.tgisinternal order by tgname`)
  ).map((r) => r.name);
  for (const k of ['uniques', 'indexes', 'foreignKeys', 'checks'] as const) shape[k].sort();
  return shape;
}

const dbs = bothDatabases();

describe('one schema on SQLite and PostgreSQL', () => {
  it('has the same tables, columns, keys, indexes, foreign keys, checks and triggers', async () => {
    const [a, b] = [await sqliteShape(dbs.sqlite), await postgresShape(dbs.postgres)];
    expect(Object.keys(a.tables).length).toBeGreaterThan(20);
    expect(a.uniques).toContain('users(lower(email))'); // SQLite's nocase key is PostgreSQL's lower(email) index
    expect(a.uniques).toContain("notifications(user_id, client_id) where kind = 'chat' and read_at is null");
    expect(a.triggers).toEqual([
      'audit_checkpoints_no_delete',
      'audit_checkpoints_no_update',
      'audit_events_no_delete',
      'audit_events_no_update',
      'remediation_rounds_frozen',
      'remediation_rounds_kept',
    ]);
    expect(b.tables).toEqual(a.tables);
    expect(b.primaryKeys).toEqual(a.primaryKeys);
    expect(b.uniques).toEqual(a.uniques);
    expect(b.indexes).toEqual(a.indexes);
    expect(b.foreignKeys).toEqual(a.foreignKeys);
    expect(b.checks).toEqual(a.checks);
    expect(b.triggers).toEqual(a.triggers);
  });

  it('sees a drift: a column, an index or a check that differs fails the comparison', async () => {
    const before = await postgresShape(dbs.postgres);
    await dbs.postgres
      .transaction()
      .execute(async (trx) => {
        await sql`alter table findings add column drifted bigint`.execute(trx);
        await sql`create index drifted_ix on comments (body)`.execute(trx);
        await sql`alter table projects drop constraint projects_status_check`.execute(trx);
        await sql`alter table projects add constraint projects_status_check check (status in ('planned', 'active', 'completed', 'archived', 'lost'))`.execute(
          trx,
        );
        const drifted = await postgresShape(trx);
        expect(drifted.tables).not.toEqual(before.tables);
        expect(drifted.indexes).not.toEqual(before.indexes);
        expect(drifted.checks).not.toEqual(before.checks);
        throw new Error('roll back'); // the transaction rolls back: the database is as before
      })
      .catch((e: Error) => expect(e.message).toBe('roll back'));
    expect(await postgresShape(dbs.postgres)).toEqual(before);
  });
});

/** The remediation rounds' triggers, on each database: a submission is fixed, a verdict written once, no round deleted. */
describe.each([
  ['SQLite', () => dbs.sqlite],
  ['PostgreSQL', () => dbs.postgres],
])('remediation round triggers on %s', (_name, dbOf) => {
  it('keep a round as submitted, take one verdict and refuse deletion', async () => {
    const db: Kysely<any> = dbOf();
    const now = Date.now();
    const id = `${_name}-${now}`;
    await db
      .insertInto('clients')
      .values({ id: `c-${id}`, name: 'Contoso', created_at: now, updated_at: now })
      .execute();
    await db
      .insertInto('users')
      .values({ id: `u-${id}`, kind: 'staff', role: 'analyst', email: `a-${id}@x.test`, name: 'A', status: 'active', created_at: now, updated_at: now })
      .execute();
    await db
      .insertInto('projects')
      .values({ id: `p-${id}`, client_id: `c-${id}`, name: 'P', status: 'active', created_at: now, updated_at: now })
      .execute();
    await db
      .insertInto('findings')
      .values({ id: `f-${id}`, project_id: `p-${id}`, client_id: `c-${id}`, title: 'F', severity: 'high', created_at: now, updated_at: now })
      .execute();
    const round = {
      id: `r-${id}`,
      finding_id: `f-${id}`,
      client_id: `c-${id}`,
      round_no: 1,
      submitted_by: `u-${id}`,
      submitted_at: now,
      submit_notes: 'fixed',
    };
    await db.insertInto('remediation_rounds').values(round).execute();
    const byId = db.updateTable('remediation_rounds').where('id', '=', round.id);

    await expect(byId.set({ submit_notes: 'rewritten' }).execute()).rejects.toThrow(/remediation rounds cannot be changed/);
    await byId.set({ verdict: 'verified_fixed', verdict_by: `u-${id}`, verdict_at: now, verdict_notes: 'ok' }).execute();
    await expect(byId.set({ verdict: 'not_fixed' }).execute()).rejects.toThrow(/remediation rounds cannot be changed/);
    await expect(db.deleteFrom('remediation_rounds').where('id', '=', round.id).execute()).rejects.toThrow(/remediation rounds cannot be deleted/);
    const kept = await db.selectFrom('remediation_rounds').selectAll().where('id', '=', round.id).executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ submit_notes: 'fixed', verdict: 'verified_fixed', round_no: 1, submitted_at: now });
    expect(typeof kept.submitted_at).toBe('number');
  });
});
