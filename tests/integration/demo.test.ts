import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pgDatabaseForSuite, tempDir } from '../support/app.js';
import { runScript } from '../support/scripts.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm run demo` as a person runs it: its own process. */
const runDemo = (env: Record<string, string> = {}) => runScript('seed', { DATA_DIR: dir, ...env });

describe('npm run demo', () => {
  it('fills an empty database with a firm, two clients, staff and portal users, projects and findings of every severity', () => {
    const r = runDemo();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Contoso Ltd manager\s+Carla Mendes\s+carla@contoso\.example\s+\S+\s+[A-Z2-7]{32}/);
    const db = new Database(path.join(dir, 'debrief.sqlite'), { readonly: true });
    try {
      expect(db.prepare('select count(*) n from clients').get()).toEqual({ n: 2 });
      expect(db.prepare("select count(*) n from users where status = 'active' and totp_secret_enc is not null").get()).toEqual({ n: 8 });
      const perClient = db.prepare('select client_id, group_concat(distinct severity) s from findings where published = 1 group by client_id').all() as {
        s: string;
      }[];
      expect(perClient).toHaveLength(2);
      for (const row of perClient) expect(row.s.split(',').sort()).toEqual(['critical', 'high', 'informational', 'low', 'medium']);
      expect(db.prepare("select count(*) n from findings where cvss_version = '4.0'").get()).not.toEqual({ n: 0 });
      // A conversation to look at: per client, comments (one an internal note) on a published finding and chat.
      expect(
        db
          .prepare(
            'select client_id, count(*) n, sum(internal) i from comments c where exists (select 1 from findings f where f.id = c.finding_id and f.published = 1) group by client_id',
          )
          .all(),
      ).toEqual([expect.objectContaining({ n: 3, i: 1 }), expect.objectContaining({ n: 3, i: 1 })]);
      expect(db.prepare('select count(distinct client_id) c, count(*) n from chat_messages').get()).toEqual({ c: 2, n: 4 });
    } finally {
      db.close();
    }
  });

  it('refuses to touch a database that is not empty, and changes nothing', () => {
    const before = new Database(path.join(dir, 'debrief.sqlite'), { readonly: true });
    const count = before.prepare('select (select count(*) from users) + (select count(*) from findings) n').get();
    before.close();
    const r = runDemo();
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/already has accounts or clients.*nothing was changed/s);
    const after = new Database(path.join(dir, 'debrief.sqlite'), { readonly: true });
    expect(after.prepare('select (select count(*) from users) + (select count(*) from findings) n').get()).toEqual(count);
    after.close();
  });
});

describe('npm run demo on PostgreSQL', () => {
  const database = pgDatabaseForSuite();

  it('fills an empty database the same way, then refuses a second run and changes nothing', async () => {
    const pgDir = tempDir();
    const r = runDemo({ DATABASE_URL: database.url, DATA_DIR: pgDir });
    rmSync(pgDir, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Demo data created in PostgreSQL at 127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/Contoso Ltd manager\s+Carla Mendes\s+carla@contoso\.example\s+\S+\s+[A-Z2-7]{32}/);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const one = async (q: string) => (await db.query(q)).rows[0];
    const counts = 'select (select count(*) from users)::int + (select count(*) from findings)::int as n';
    try {
      expect(await one('select count(*)::int as n from clients')).toEqual({ n: 2 });
      expect(await one("select count(*)::int as n from users where status = 'active' and totp_secret_enc is not null")).toEqual({ n: 8 });
      const perClient = (
        await db.query("select string_agg(distinct severity, ',' order by severity) as s from findings where published = 1 group by client_id")
      ).rows;
      expect(perClient.map((x) => x.s)).toEqual(Array(2).fill('critical,high,informational,low,medium'));
      expect(await one('select count(distinct client_id)::int as c, count(*)::int as n from chat_messages')).toEqual({ c: 2, n: 4 });
      const before = await one(counts);
      const again = runDemo({ DATABASE_URL: database.url });
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/already has accounts or clients.*nothing was changed.*Use an empty PostgreSQL database/s);
      expect(again.stderr + again.stdout).not.toMatch(/postgres:\/\//);
      expect(await one(counts)).toEqual(before);
    } finally {
      await db.end();
    }
  }, 120_000);
});
