import type { SpawnSyncReturns } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Db } from '../../db/client.js';
import { pgTestDatabase, startTestApp, tempDir, type TestApp } from '../support/app.js';
import { cmid } from '../support/chat.js';
import { runScript, signInDemo as signIn } from '../support/scripts.js';

/**
 * `npm run move-to-postgres` on the demo data (`npm run demo` into SQLite), both run as a person
 * runs them: their own processes. The move keeps every row as it was (ids, event-log positions,
 * bytea), the identity counters continue past the copied ids (the app then signs a demo account
 * in with its password and authenticator and posts a chat message), and it refuses, with one
 * line and nothing changed, a DATABASE_URL that is not PostgreSQL, a missing source, a source at
 * another migration and a target that holds data; a value PostgreSQL refuses rolls the whole copy
 * back. The URL's password appears in no output.
 */
const PASSWORD = 'hunter2-not-shown';
const dir = tempDir();
const sourceFile = path.join(dir, 'debrief.sqlite');
let url = '';
let stop = () => {};
let target: Db;
let demo = '';
const copies: string[] = [];

const run = (script: 'seed' | 'move-to-postgres', env: Record<string, string>, args: string[] = []) => runScript(script, { DATA_DIR: dir, ...env }, args);

beforeAll(async () => {
  const pg = await pgTestDatabase();
  stop = pg.stop;
  // The tests' clusters trust loopback, so the password is ignored: it is there to be looked for in the output.
  url = pg.url.replace('//postgres@', `//postgres:${PASSWORD}@`);
  target = openPostgres(url, 2).db;
  const seeded = run('seed', {});
  if (seeded.status !== 0) throw new Error(`npm run demo failed: ${seeded.stderr}`);
  demo = seeded.stdout;
  await useOnSqlite();
}, 120_000);
afterAll(async () => {
  await target?.destroy();
  stop();
  for (const d of [dir, ...copies]) rmSync(d, { recursive: true, force: true });
});

const signInDemo = (app: TestApp, email: string) => signIn(app, demo, email);

const contosoId = (db: Db) => db.selectFrom('clients').select('id').where('name', '=', 'Contoso Ltd').executeTakeFirstOrThrow();

/**
 * Use the demo on SQLite first, so that every kind of value is there to move: a session (its
 * bytea hash), chat and its client events (positions), audit rows (some batches' worth). Then gaps, as deletions and
 * the event log's pruning leave them: the first status-history row and the first event go.
 */
async function useOnSqlite(): Promise<void> {
  const app = await startTestApp({ DATABASE_URL: '', DATA_DIR: dir });
  try {
    const carla = await signInDemo(app, 'carla@contoso.example');
    const { id } = await contosoId(app.db);
    for (const body of ['Before the move', 'Still before'])
      expect((await carla.post(`/api/chat/${id}/messages`, { body, clientMessageId: cmid() })).status).toBe(201);
    // More audit rows than one batch holds (500), so the copy takes several.
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < 1200)
      insert into audit_events (at, action, outcome) select ${Date.now()}, 'test.filler', 'success' from n`.execute(app.db);
    for (const [table, column] of [
      ['finding_status_history', 'id'],
      ['client_events', 'position'],
    ] as const)
      await sql`delete from ${sql.table(table)} where ${sql.id(column)} = (select min(${sql.id(column)}) from ${sql.table(table)})`.execute(app.db);
  } finally {
    await app.close();
  }
}

/** Every table of the target (kysely's own included) with its row count. */
async function targetState(): Promise<Record<string, number>> {
  const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = current_schema() order by table_name`.execute(target);
  const state: Record<string, number> = {};
  for (const { name } of rows) state[name] = (await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(target)).rows[0]!.n;
  return state;
}

/** A copy of the demo's SQLite database with `edit` applied, in a folder of its own. */
async function sourceCopy(edit: string): Promise<string> {
  const file = path.join(tempDir(), 'copy.sqlite');
  copies.push(path.dirname(file));
  const source = new Database(sourceFile, { readonly: true });
  await source.backup(file);
  source.close();
  const copy = new Database(file);
  copy.exec(edit);
  copy.close();
  return file;
}

/** A refusal: exit 1 and one line on stderr, which it returns. */
function refusal(r: SpawnSyncReturns<string>): string {
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toContain(PASSWORD);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(r.status).toBe(1);
  return lines[0]!;
}

const maxOf = async (table: string, column: string) =>
  (await sql<{ m: number | null }>`select max(${sql.id(column)}) as m from ${sql.table(table)}`.execute(target)).rows[0]!.m ?? 0;

describe('npm run move-to-postgres', () => {
  it('refuses a DATABASE_URL that is not PostgreSQL, a missing source and a source at another migration, changing nothing', async () => {
    expect(url).toContain(PASSWORD);
    const before = await targetState();
    expect(refusal(run('move-to-postgres', {}))).toMatch(/^Move refused: DATABASE_URL must name the PostgreSQL database/);
    expect(refusal(run('move-to-postgres', { DATABASE_URL: url }, [path.join(dir, 'nowhere.sqlite')]))).toMatch(
      /^Move refused: there is no SQLite database at /,
    );
    const older = await sourceCopy('delete from kysely_migration where name = (select max(name) from kysely_migration)');
    expect(refusal(run('move-to-postgres', { DATABASE_URL: url }, [older]))).toMatch(
      /^Move refused: the SQLite database is at migration \S+, not \S+: start this version/,
    );
    expect(await targetState()).toEqual(before);
  });

  it('rolls the whole copy back when PostgreSQL refuses a value, naming the table but not the value', async () => {
    // SQLite's text may hold a NUL character, PostgreSQL's may not. Findings are copied after their parents.
    const bad = await sourceCopy("update findings set title = 'Confidential title' || char(0) where rowid = (select max(rowid) from findings)");
    const line = refusal(run('move-to-postgres', { DATABASE_URL: url }, [bad]));
    expect(line).toMatch(/^Move failed, nothing was copied: copying table findings: invalid byte sequence for encoding "UTF8": 0x00$/);
    const rows = Object.entries(await targetState()).filter(([table, n]) => !table.startsWith('kysely_') && n > 0);
    expect(rows).toEqual([]);
  });

  it('moves the demo data into an empty PostgreSQL database, every row as it was', async () => {
    const r = run('move-to-postgres', { DATABASE_URL: url });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Moved SQLite .*debrief\.sqlite into PostgreSQL at 127\.0\.0\.1:\d+ \(database \w+\):\n/);
    expect(r.stdout).toMatch(/\n\d+ tables, \d+ rows; row counts equal table by table; ids continue past the copied ones; statistics gathered \(ANALYZE\)\.\n/);
    expect(r.stdout).toMatch(/\n {2}chat_messages +6\n/);
    expect(r.stdout).not.toContain(PASSWORD);
    const sqlite = new Database(sourceFile, { readonly: true });
    try {
      const tables = sqlite
        .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'")
        .pluck()
        .all()
        // SQLite's audit search tables stay behind: PostgreSQL searches its own GIN index.
        .filter((n) => !/^audit_events_fts(_|$)/.test(n as string)) as string[];
      expect(tables.length).toBeGreaterThan(20);
      let rows = 0;
      for (const table of tables) {
        const key = (sqlite.pragma(`table_info(${table})`) as { name: string; pk: number }[]).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
        const order = key.map((c) => c.name).join(', ');
        const expected = sqlite.prepare(`select * from ${table} order by ${order}`).all();
        const moved = (await sql.raw(`select * from ${table} order by ${order}`).execute(target)).rows;
        expect({ table, rows: moved }).toEqual({ table, rows: expected });
        rows += expected.length;
      }
      // Chat, the event log (past its gap), audit rows and a session's bytea hash came along as they were.
      expect(rows).toBeGreaterThan(50);
      for (const [table, column] of [
        ['chat_messages', 'id'],
        ['client_events', 'position'],
        ['audit_events', 'id'],
        ['finding_status_history', 'id'],
      ] as const)
        expect(await maxOf(table, column)).toBeGreaterThan(1);
      expect(await sql`select min(position) as p from client_events`.execute(target)).toMatchObject({ rows: [{ p: 2 }] });
      expect((await target.selectFrom('sessions').select('secret_hash').executeTakeFirstOrThrow()).secret_hash).toBeInstanceOf(Buffer);
      // The planner has statistics of the moved tables at once (not after autovacuum's first pass).
      const analyzed = await sql<{ relname: string; analyzed: boolean }>`
        select relname, last_analyze is not null as analyzed from pg_stat_user_tables where relname in ('findings', 'comments', 'chat_messages', 'audit_events')`.execute(
        target,
      );
      expect(analyzed.rows.map((r) => [r.relname, r.analyzed]).sort()).toEqual([
        ['audit_events', true],
        ['chat_messages', true],
        ['comments', true],
        ['findings', true],
      ]);
    } finally {
      sqlite.close();
    }
  });

  it('continues every id past the copied ones: a demo account signs in (password, authenticator) and posts a chat message', async () => {
    const before = { chat: await maxOf('chat_messages', 'id'), audit: await maxOf('audit_events', 'id'), position: await maxOf('client_events', 'position') };
    // The same data folder: its secret.key decrypts the authenticator secrets the demo stored.
    const app = await startTestApp({ DATABASE_URL: url, DATABASE_POOL_SIZE: '3', DATA_DIR: dir });
    try {
      const ada = await signInDemo(app, 'ada@northwind.example');
      const contoso = await contosoId(target);
      const sent = await ada.post(`/api/chat/${contoso.id}/messages`, { body: 'Now on PostgreSQL', clientMessageId: cmid() });
      expect(sent.status).toBe(201);
      expect(sent.body.message.id).toBe(before.chat + 1);
      expect(await maxOf('client_events', 'position')).toBeGreaterThan(before.position);
      expect(await maxOf('audit_events', 'id')).toBeGreaterThan(before.audit);
    } finally {
      await app.close();
    }
  });

  it('refuses a target that already holds data, with one line, and changes nothing', async () => {
    const before = await targetState();
    expect(refusal(run('move-to-postgres', { DATABASE_URL: url }))).toMatch(
      /^Move refused: the target database \(PostgreSQL at 127\.0\.0\.1:\d+ \(database \w+\)\) already holds data \(table \w+ has rows\)/,
    );
    expect(await targetState()).toEqual(before);
  });
});
