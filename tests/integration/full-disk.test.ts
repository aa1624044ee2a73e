import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDir, type TestApp } from '../support/app.js';
import { chatPeople, cmid, uploadChatFile } from '../support/chat.js';
import { signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { smallPng } from '../support/images.js';
import { ask, feedSocket, until } from '../support/socket.js';

/**
 * A full disk (issue 16, points 8–10), for real: DATA_DIR is an 8 MB tmpfs, filled to the last
 * byte. `/readyz` says `disk`, `/healthz` stays 200, an HTTP write is refused 507
 * `storage_full`, a chat send acks `storage_full`, an upload is answered and its connection
 * closed at once (no temp file left), the log has the real code; reads work throughout; once the
 * filler is removed everything works again, without a restart. Needs `mount` (root, as in CI);
 * where mounting is not allowed the suite is skipped and says why.
 */
const MOUNT = tempDir('debrief-full-disk-');
let mountProblem: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', MOUNT], { stdio: 'pipe' });
} catch (err) {
  mountProblem = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim() || 'mount failed';
  console.log(`full-disk tests skipped: cannot mount a tmpfs at ${MOUNT} (${mountProblem})`);
}

// Unmounted whatever ran (a filtered run skips the suite's own hooks).
afterAll(() => {
  if (mountProblem === null) execFileSync('umount', [MOUNT]);
  rmSync(MOUNT, { recursive: true, force: true });
});

/** Fill the file system holding `dir` to the last byte; returns the filler to remove. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4096, 512, 1]) {
      const buf = Buffer.alloc(size, 7);
      try {
        for (;;) writeSync(fd, buf);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/** POST `bytes` as a chat upload on a keep-alive connection: the answer, and when the connection closed after it. */
function uploadKeepAlive(app: TestApp, agent: Agent, clientId: string, bytes: Buffer) {
  return new Promise<{ status: number; body: any; connection: string | undefined; closedAfterMs: number }>((resolve, reject) => {
    const keepAlive = new http.Agent({ keepAlive: true });
    const req = http.request(`${app.url}/api/chat/${clientId}/attachments?name=big.png`, {
      method: 'POST',
      agent: keepAlive,
      headers: { origin: app.url, cookie: agent.cookie!, 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    });
    let answered: { at: number; status: number; body: string; connection: string | undefined } | null = null;
    req.on('socket', (s) =>
      s.on('close', () => {
        keepAlive.destroy();
        if (!answered) return reject(new Error('the connection closed without an answer'));
        resolve({ status: answered.status, body: JSON.parse(answered.body), connection: answered.connection, closedAfterMs: performance.now() - answered.at });
      }),
    );
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => (answered = { at: performance.now(), status: res.statusCode!, body, connection: res.headers.connection }));
    });
    req.on('error', () => {}); // the server may stop reading the body: the answer still counts
    req.end(bytes);
  });
}

describe.skipIf(mountProblem !== null)('a full disk (tmpfs)', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    app = await startTestApp({ DATA_DIR: MOUNT, MIN_FREE_DISK_MB: '1', DATABASE_URL: '' });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await app?.close().catch(() => {});
  });

  it('refuses writes with storage_full, keeps reads, closes a failed upload at once, logs the code, and recovers once space is freed', async () => {
    const p = await chatPeople(app.db);
    const agent = await signIn(app, p.collabA);
    const { socket } = await feedSocket(app, agent);
    sockets.push(socket);
    const messages = async () => (await agent.get(`/api/chat/${p.a.id}/messages`)).body.messages.length as number;
    expect((await agent.post(`/api/chat/${p.a.id}/messages`, { body: 'before', clientMessageId: cmid() })).status).toBe(201);
    await until(async () => (await fetch(`${app.url}/readyz`)).status === 200, '/readyz 200 at first', 5000);

    // The WAL is emptied first, so the next commit must grow a file: the disk is then full to the byte.
    app.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const filler = fill(MOUNT);

    await until(async () => (await fetch(`${app.url}/readyz`)).status === 503, '/readyz 503', 5000);
    const ready = await (await fetch(`${app.url}/readyz`)).json();
    expect(ready.failing).toContain('disk');
    expect(JSON.stringify(ready)).not.toMatch(/\d|\//);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);

    const before = await messages();
    const refused = await agent.post(`/api/chat/${p.a.id}/messages`, { body: 'while full', clientMessageId: cmid() });
    expect(refused.status).toBe(507);
    expect(refused.body.error.code).toBe('storage_full');
    const ack = await ask(socket, 'message:send', { body: 'socket while full', clientMessageId: cmid() });
    expect(ack).toMatchObject({ ok: false, error: { code: 'storage_full' } });

    const upload = await uploadKeepAlive(app, agent, p.a.id, Buffer.alloc(2 << 20, 1));
    expect(upload.status).toBe(507);
    expect(upload.body.error.code).toBe('storage_full');
    expect(upload.connection).toBe('close');
    expect(upload.closedAfterMs).toBeLessThan(1000);
    const attachments = path.join(app.config.uploadsDir, 'attachments');
    if (existsSync(attachments)) expect(readdirSync(attachments).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    // Reads work; nothing was saved.
    expect(await messages()).toBe(before);
    // The log has the original cause and code, never "[redacted]".
    const codes = app.logs.map((l) => (l.err as { code?: string } | undefined)?.code).filter(Boolean);
    expect(codes).toContain('SQLITE_FULL');
    expect(codes).toContain('ENOSPC');
    expect(codes).not.toContain('[redacted]');

    // Space freed: everything works again, in the same process.
    rmSync(filler);
    await until(async () => (await fetch(`${app.url}/readyz`)).status === 200, '/readyz 200 again', 5000);
    expect((await agent.post(`/api/chat/${p.a.id}/messages`, { body: 'after', clientMessageId: cmid() })).status).toBe(201);
    expect((await ask(socket, 'message:send', { body: 'socket after', clientMessageId: cmid() })).ok).toBe(true);
    expect((await uploadChatFile(app, agent, p.a.id, await smallPng('#123456'), 'after.png')).status).toBe(201);
    expect(await messages()).toBe(before + 2);
  });
});

describe('a ROLLBACK that fails after SQLite rolled back by itself', () => {
  let app: TestApp;
  beforeAll(async () => void (app = await startTestApp({ DATABASE_URL: '' })));
  afterAll(() => app.close());
  const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

  it('leaves the first error to the caller and the log (a transaction)', async () => {
    const failed = app.db.transaction().execute(async (trx) => {
      await trx.selectFrom('firm').select('id').execute();
      app.sqlite.exec('rollback'); // as SQLite does itself on SQLITE_FULL: Kysely's ROLLBACK then fails
      throw full();
    });
    await expect(failed).rejects.toMatchObject({ code: 'SQLITE_FULL', message: 'database or disk is full' });
    expect((await app.db.selectFrom('firm').select('id').execute()).length).toBeGreaterThanOrEqual(0); // the connection still works
  });

  it('leaves the first error to every write of a group commit, and logs it with its code', async () => {
    const failed = app.deps.writes.run(async () => {
      app.sqlite.exec('rollback');
      throw full();
    });
    await expect(failed).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    const line = app.logs.find((l) => l.msg === 'group commit failed');
    expect(line?.err).toMatchObject({ code: 'SQLITE_FULL', message: 'database or disk is full' });
    expect(await app.deps.writes.run(async (trx) => (await trx.selectFrom('firm').select('id').execute()).length)).toBeGreaterThanOrEqual(0);
  });
});
