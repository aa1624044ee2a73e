import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../support/app.js';
import { spawnServer } from '../support/spawn.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the server process', () => {
  it('exits 1 with one line naming a bad variable', async () => {
    const dir = tempDir();
    dirs.push(dir);
    for (const [name, value] of [
      ['PORT', 'abc'],
      ['PUBLIC_URL', 'not a url'],
      ['LOG_LEVEL', 'loud'],
      ['TRUST_PROXY', 'maybe?'],
    ]) {
      const s = spawnServer({ DATA_DIR: dir, [name!]: value! });
      expect(await s.exited).toBe(1);
      const lines = s.stderr.join('').trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Invalid ${name}=`);
      expect(lines[0]).toContain('expected');
    }
  });

  it('creates the data folder, is healthy, and exits 0 on SIGTERM after finishing a request in flight', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const port = await freePort();
    const s = spawnServer({ DATA_DIR: `${dir}/data`, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_GRACE_MS: '5000' });
    await s.waitForLog((l) => l.msg === 'Debrief is listening');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });

    // Start a request and leave its body half-sent: the server has it in flight when SIGTERM arrives.
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let response = '';
    sock.on('data', (d) => (response += String(d)));
    sock.write(
      `POST /api/auth/logout HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://localhost:${port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{`,
    );
    await new Promise((r) => setTimeout(r, 200));
    s.child.kill('SIGTERM');
    await s.waitForLog((l) => l.msg === 'shutting down');
    // New connections are refused while the in-flight request is still allowed to finish.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    sock.write('}');
    expect(await s.exited).toBe(0);
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(s.stdout.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('stops with a clear message and leaves the database unchanged when a migration fails', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const { openDatabase } = await import('../../db/client.js');
    const { sqlite } = openDatabase(`${dir}/debrief.sqlite`);
    // A table in the way of the first migration: it must fail, and nothing else may be created.
    sqlite.exec('create table clients (x integer)');
    sqlite.close();
    const s = spawnServer({ DATA_DIR: dir, PORT: String(await freePort()), HOST: '127.0.0.1' });
    expect(await s.exited).toBe(1);
    expect(s.stderr.join('')).toMatch(/Database migration failed: migration 2026-11-22T1700_foundation failed: .*left unchanged/);
    const after = openDatabase(`${dir}/debrief.sqlite`).sqlite;
    const tables = after.prepare("select name from sqlite_master where type = 'table' and name not like 'kysely_%' order by name").all();
    after.close();
    expect(tables).toEqual([{ name: 'clients' }]);
  });
});
