import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../support/app.js';
import { startPgCluster, type PgCluster } from '../support/postgres.js';
import { spawnServer } from '../support/spawn.js';

/**
 * The server process on PostgreSQL (DATABASE_URL): it migrates an empty database and serves; a
 * bad URL or pool size stops it with one line; an unreachable server stops it after the wait,
 * naming host and port. The URL's password appears in no output.
 */
const PASSWORD = 'hunter2-not-shown';
const dirs: string[] = [];
let cluster: PgCluster;
let url: string;

beforeAll(async () => {
  cluster = await startPgCluster();
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  await admin.query(`create role debrief login password '${PASSWORD}'`);
  await admin.query('create database debrief owner debrief');
  await admin.end();
  url = `postgres://debrief:${PASSWORD}@127.0.0.1:${cluster.port}/debrief`;
}, 60_000);
afterAll(() => {
  cluster?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
const output = (s: ReturnType<typeof spawnServer>) => s.stdout.join('\n') + s.stderr.join('');

describe('the server process on PostgreSQL', () => {
  it('migrates an empty database, serves, says where its data is without the password, and stops cleanly', async () => {
    const port = await freePort();
    const s = spawnServer({ DATA_DIR: dir(), PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: url, DATABASE_POOL_SIZE: '3' });
    const listening = await s.waitForLog((l) => l.msg === 'Debrief is listening', 30_000);
    expect(listening.database).toBe(`PostgreSQL at 127.0.0.1:${cluster.port} (database debrief)`);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    const { rows } = await check.query(
      "select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name = 'client_events'",
    );
    await check.end();
    expect(rows[0].n).toBe(1);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(output(s)).not.toContain(PASSWORD);
  }, 60_000);

  it('three processes started at once on an empty database: one migrates, all serve', async () => {
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('create database triple owner debrief');
    await admin.end();
    const tripleUrl = url.replace(/\/debrief$/, '/triple');
    const ports = [await freePort(), await freePort(), await freePort()];
    const procs = ports.map((p) => spawnServer({ DATA_DIR: dir(), PORT: String(p), HOST: '127.0.0.1', DATABASE_URL: tripleUrl }));
    await Promise.all(procs.map((s) => s.waitForLog((l) => l.msg === 'Debrief is listening', 30_000)));
    for (const p of ports) expect((await fetch(`http://127.0.0.1:${p}/healthz`)).status).toBe(200);
    const migrated = procs.filter((s) => s.stdout.some((l) => l.includes('"msg":"database migrated"')));
    expect(migrated).toHaveLength(1);
    for (const s of procs) s.child.kill('SIGTERM');
    expect(await Promise.all(procs.map((s) => s.exited))).toEqual([0, 0, 0]);
  }, 90_000);

  it('exits 1 with one line naming DATABASE_URL or DATABASE_POOL_SIZE when either is bad, and never prints the URL', async () => {
    for (const [name, value] of [
      ['DATABASE_URL', `mysql://root:${PASSWORD}@db.example.com/debrief`],
      ['DATABASE_URL', `postgres//debrief:${PASSWORD}@`],
      ['DATABASE_POOL_SIZE', '0'],
      ['DATABASE_POOL_SIZE', '101'],
    ]) {
      const s = spawnServer({ DATA_DIR: dir(), [name!]: value!, ...(name === 'DATABASE_POOL_SIZE' ? { DATABASE_URL: url } : {}) });
      expect(await s.exited).toBe(1);
      const lines = s.stderr.join('').trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^Invalid ${name}\\b.*expected`));
      expect(output(s)).not.toContain(PASSWORD);
    }
  }, 60_000);

  it('gives up on an unreachable server after DATABASE_WAIT_SECONDS, naming host and port, without the password', async () => {
    const port = await freePort();
    const started = Date.now();
    const s = spawnServer({ DATA_DIR: dir(), DATABASE_URL: `postgres://debrief:${PASSWORD}@127.0.0.1:${port}/debrief`, DATABASE_WAIT_SECONDS: '2' });
    expect(await s.exited).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const lines = s.stderr.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Cannot reach the database (PostgreSQL at 127.0.0.1:${port} (database debrief), DATABASE_URL)`);
    expect(output(s)).not.toContain(PASSWORD);
  }, 60_000);
});
