import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { migrations } from '../../db/migrations/index.js';
import { ROOT, startTestApp, tempDir } from '../support/app.js';

/**
 * An installed SQLite database keeps working through the PostgreSQL work (issue 13, "upgrade").
 * The fixture is the schema (sqlite_master) of a database made by the build before it (a4ee1a1,
 * its eight migrations). Today's build makes exactly that schema from the same eight migrations
 * (their DDL did not change), and a database with that schema and data in it opens on today's
 * build: the later migrations apply, and positions, times and counts come back as exact numbers.
 */
type Entry = { type: string; name: string; tbl_name: string; sql: string | null };
const FIXTURE: Entry[] = JSON.parse(readFileSync(path.join(ROOT, 'tests', 'fixtures', 'sqlite-schema-2026-12-03.json'), 'utf8'));
const BEFORE = Object.keys(migrations).slice(0, 8);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const schemaOf = (sqlite: ReturnType<typeof openDatabase>['sqlite']) =>
  sqlite.prepare("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name").all() as Entry[];

describe('an installed SQLite database', () => {
  it("today's build makes the same schema from the eight migrations that were there before PostgreSQL", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const { db, sqlite } = openDatabase(path.join(dir, 'debrief.sqlite'));
    try {
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      const { error } = await migrator.migrateTo(BEFORE[BEFORE.length - 1]!);
      expect(error).toBeUndefined();
      expect(BEFORE.at(-1)).toBe('2026-12-03T1400_history-client');
      expect(schemaOf(sqlite)).toEqual(FIXTURE);
    } finally {
      await db.destroy();
    }
  });

  it('made by the build before, with data, opens on this one: later migrations apply, numbers stay exact', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const now = Date.now();
    // The database as the earlier build left it: its schema, its migration records, some rows.
    const installed = openDatabase(path.join(dir, 'debrief.sqlite'));
    const order = ['table', 'index', 'trigger'];
    for (const e of [...FIXTURE].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type))) if (e.sql) installed.sqlite.exec(e.sql);
    const record = installed.sqlite.prepare('insert into kysely_migration (name, timestamp) values (?, ?)');
    for (const name of BEFORE) record.run(name, new Date(now).toISOString());
    installed.sqlite.prepare('insert into firm (id, name, created_at, updated_at) values (1, ?, ?, ?)').run('Acme Security', now, now);
    installed.sqlite.prepare('insert into clients (id, name, created_at, updated_at) values (?, ?, ?, ?)').run('c-1', 'Contoso', now, now);
    const event = installed.sqlite.prepare(
      "insert into client_events (client_id, type, audience, entity_id, at) values ('c-1', 'project:updated', 'all', 'p-1', ?)",
    );
    for (let i = 0; i < 3; i++) event.run(now + i);
    await installed.db.destroy();

    const app = await startTestApp({ DATA_DIR: dir, DATABASE_URL: '' });
    try {
      expect(await migrateToLatest(app.db)).toEqual([]); // the app applied the later ones at start
      const applied = app.sqlite.prepare('select name from kysely_migration order by name').pluck().all();
      expect(applied).toEqual(Object.keys(migrations));
      const firm = await app.db.selectFrom('firm').select(['created_at', 'event_floor']).executeTakeFirstOrThrow();
      expect(firm).toEqual({ created_at: now, event_floor: 0 });
      const events = await app.db.selectFrom('client_events').select(['position', 'at']).orderBy('position').execute();
      expect(events).toEqual([0, 1, 2].map((i) => ({ position: i + 1, at: now + i })));
      const count = await app.db
        .selectFrom('client_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(count.n).toBe(3);
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
