import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTestDatabase, startTestApp, tempDir } from '../support/app.js';
import { runScript, signInDemo } from '../support/scripts.js';

/**
 * `npm run backup -- FILE` on PostgreSQL (issue 13, point 10): `pg_dump` in its custom format,
 * the password through the environment, never printed. Restored as the README says (`pg_restore`
 * into a fresh database, the same data folder for uploads and the secret key), the demo's
 * accounts sign in with password and authenticator. Missing or too old a `pg_dump`, an unreachable
 * server or a missing folder: one line, exit 1, no file left behind.
 */
const PASSWORD = 'backup-secret-not-shown';
const dir = tempDir();
const out = tempDir();
/** Where the refused backups would have gone: stays empty. */
const refused = tempDir();
let url = '';
let stop = () => {};
let demo = '';

beforeAll(async () => {
  const db = await pgTestDatabase();
  stop = db.stop;
  // The tests' clusters trust loopback, so the password is ignored: it is there to be looked for in the output.
  url = db.url.replace('//postgres@', `//postgres:${PASSWORD}@`);
  const seeded = runScript('seed', { DATA_DIR: dir, DATABASE_URL: url });
  if (seeded.status !== 0) throw new Error(`npm run demo failed: ${seeded.stderr}`);
  demo = seeded.stdout;
}, 120_000);
afterAll(() => {
  stop();
  for (const d of [dir, out, refused]) rmSync(d, { recursive: true, force: true });
});

/** Run SQL as the cluster's superuser on the database of `at`. */
async function admin<T>(at: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: at });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** A refusal: exit 1, one line on stderr (returned), no password, no file left where it would have gone. */
function refusal(r: ReturnType<typeof runScript>): string {
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toContain(PASSWORD);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.status).toBe(1);
  expect(readdirSync(refused)).toEqual([]);
  return r.stderr.trim();
}

describe('npm run backup on PostgreSQL', () => {
  it('writes a pg_dump custom-format file, and says what to copy alongside, never the password', () => {
    const file = path.join(out, 'debrief.dump');
    const r = runScript('backup', { DATA_DIR: dir, DATABASE_URL: url }, [file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Backed up PostgreSQL at 127\.0\.0\.1:\d+ \(database \w+\) to .*debrief\.dump \([\d.]+ MB\)\. Copy .*uploads and the secret key/);
    expect(r.stdout).not.toContain(PASSWORD);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');
    expect(readdirSync(out)).toEqual(['debrief.dump']); // no partial file left beside it
  });

  it('restores with pg_restore into a fresh database, where a demo account signs in with password and authenticator', async () => {
    const restored = `restored_${process.pid}`;
    await admin(url, (c) => c.query(`create database ${restored}`));
    const restoredUrl = url.replace(/\/[^/]*$/, `/${restored}`);
    const r = spawnSync('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, path.join(out, 'debrief.dump')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const count = (at: string) =>
      admin(
        at,
        async (c) =>
          (await c.query('select (select count(*) from users) + (select count(*) from findings) + (select count(*) from chat_messages) as n')).rows[0].n,
      );
    expect(await count(restoredUrl)).toBe(await count(url));
    // The same data folder: its secret.key decrypts the authenticator secrets the demo stored.
    const app = await startTestApp({ DATABASE_URL: restoredUrl, DATABASE_POOL_SIZE: '2', DATA_DIR: dir });
    try {
      const carla = await signInDemo(app, demo, 'carla@contoso.example');
      expect((await carla.get('/api/session')).body.user.email).toBe('carla@contoso.example');
    } finally {
      await app.close();
    }
  });

  it('refuses, in one line, a missing pg_dump, one older than the server, an unreachable server and a missing folder', () => {
    const file = path.join(refused, 'refused.dump');
    const noTools = tempDir();
    try {
      // PATH without PostgreSQL's client tools.
      expect(refusal(runScript('backup', { DATA_DIR: dir, DATABASE_URL: url, PATH: noTools }, [file]))).toBe(
        "pg_dump was not found: install PostgreSQL's client tools (Debian: apt-get install postgresql-client).",
      );
      // A client from an older release than the server (it only answers --version).
      const fake = path.join(noTools, 'pg_dump');
      writeFileSync(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n');
      chmodSync(fake, 0o755);
      expect(refusal(runScript('backup', { DATA_DIR: dir, DATABASE_URL: url, PATH: `${noTools}:${process.env.PATH}` }, [file]))).toMatch(
        /^pg_dump 9 is older than the PostgreSQL \d+ server: install postgresql-client-\d+ \(Debian: apt-get install postgresql-client-\d+\)\.$/,
      );
    } finally {
      rmSync(noTools, { recursive: true, force: true });
    }
    const closed = url.replace(/:(\d+)\//, ':1/');
    expect(refusal(runScript('backup', { DATA_DIR: dir, DATABASE_URL: closed }, [file]))).toMatch(
      /^Cannot reach PostgreSQL at 127\.0\.0\.1:1 \(database \w+\): check DATABASE_URL/,
    );
    expect(refusal(runScript('backup', { DATA_DIR: dir, DATABASE_URL: url }, [path.join(refused, 'no', 'such', 'folder.dump')]))).toMatch(
      /^Cannot write the backup: the folder .*no\/such does not exist\.$/,
    );
    expect(existsSync(file)).toBe(false);
  });
});
