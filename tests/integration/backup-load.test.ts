import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDir, type TestApp } from '../support/app.js';
import { runScript, startScript } from '../support/scripts.js';
import { postRaw } from '../support/evidence.js';
import { smallPng } from '../support/images.js';
import { chatPeople, cmid } from '../support/chat.js';
import { buildPortalUser, signIn } from '../support/factories.js';
import { ask, connected, connectSocket } from '../support/socket.js';
import { unpack } from '../support/backups.js';

/**
 * `debrief backup FILE` while chat flows (issue 16, point 4): eight real socket.io clients send chat
 * messages with acks (hundreds a second on a quiet machine) into a 40 MB database; `backup` runs as
 * its own process meanwhile, with dozens of commits landing while it runs. It must finish within ten times its idle time, its snapshot must pass
 * integrity_check and hold every message acknowledged before the backup started. SQLite's
 * step-wise backup restarts on every commit from another connection and fails this (see the
 * issue's report); `VACUUM INTO` is one read transaction.
 */
/** Sockets sending at once, each waiting for its ack before the next message (as the page does). */
const SENDERS = 8;
let app: TestApp;
const sockets: Socket[] = [];
let clientId = '';
const out = tempDir();

beforeAll(async () => {
  app = await startTestApp({ DATABASE_URL: '', MESSAGE_BURST: '10000', MESSAGE_RATE_PER_MINUTE: '100000' });
  const p = await chatPeople(app.db);
  clientId = p.a.id;
  // 40 MB of history, written directly (the history's size is what makes a step-wise backup slow).
  const body = 'x'.repeat(1000);
  const insert = app.sqlite.prepare('insert into chat_messages (client_id, author_id, body, client_message_id, created_at) values (?, ?, ?, ?, ?)');
  app.sqlite.transaction(() => {
    for (let i = 0; i < 40_000; i++) insert.run(clientId, p.collabA.id, body, cmid(), Date.now() - 86_400_000);
  })();
  const more = await Promise.all(Array.from({ length: SENDERS - 4 }, () => buildPortalUser(app.db, { client_id: clientId, role: 'collaborator' })));
  for (const u of [p.collabA, p.managerA, p.analyst, p.admin, ...more]) sockets.push(await connected(connectSocket(app, await signIn(app, u))));
}, 120_000);
afterAll(async () => {
  for (const s of sockets) s.close();
  await app.close();
  rmSync(out, { recursive: true, force: true });
});

/**
 * Run `backup` as its own process; killed (and failed) after `limitMs` of backing up. `ms` is the
 * backup's own time as it reports it ("… in 0.41 s."), without the process's start (loading the
 * server's code: a second or more on a busy machine, which would hide a slow backup).
 */
async function timedBackup(file: string, limitMs: number, startMs = 0): Promise<{ ms: number; status: number | null; stderr: string }> {
  const { child, done } = startScript('backup', { DATA_DIR: app.config.dataDir }, [file]);
  const timer = setTimeout(() => child.kill('SIGKILL'), startMs + limitMs);
  const r = await done;
  clearTimeout(timer);
  const took = /\) in ([\d.]+) s\.$/m.exec(r.stdout);
  return { ms: took ? Number(took[1]) * 1000 : Infinity, status: r.status, stderr: r.stderr };
}

describe('backup while chat flows', () => {
  it('finishes within 10× its idle time, passes integrity_check and holds every message acked before it started', async () => {
    const t0 = Date.now();
    const idle = await timedBackup(path.join(out, 'idle.tar'), 120_000);
    const idleProcessMs = Date.now() - t0;
    expect(idle.stderr).toBe('');
    expect(idle.status).toBe(0);

    const acked: { id: string; at: number }[] = [];
    let sending = true;
    const send = async (s: Socket) => {
      while (sending) {
        const id = cmid();
        const ack = await ask(s, 'message:send', { clientId, body: `under load ${id}`, clientMessageId: id });
        expect(ack.ok, JSON.stringify(ack)).toBe(true);
        acked.push({ id, at: Date.now() });
      }
    };
    const senders = Promise.all(sockets.map(send));
    // The load is on (200 acked) before the backup starts, however slowly a busy machine warms up.
    for (const until = Date.now() + 30_000; acked.length < 200 && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const loaded = await timedBackup(path.join(out, 'loaded.tar'), 10 * idle.ms, idleProcessMs);
    const ended = Date.now();
    const loadedProcessMs = ended - started;
    sending = false;
    await senders;
    // The load while the backup itself ran (its own time, ending as its process did).
    const during = acked.filter((a) => a.at >= ended - loaded.ms && a.at <= ended).length;
    const rate = Math.round((during * 1000) / Math.max(loaded.ms, 1));
    console.log(
      `backup idle ${idle.ms} ms (process ${idleProcessMs} ms), under load ${loaded.ms} ms (process ${loadedProcessMs} ms), ${rate} acked msg/s meanwhile, archive ${(statSync(path.join(out, 'loaded.tar')).size / 1e6).toFixed(1)} MB`,
    );

    expect(loaded.stderr).toBe('');
    expect(loaded.status).toBe(0);
    expect(loaded.ms).toBeLessThan(10 * idle.ms);
    // Chat kept flowing through the backup: many commits landed while it ran (each one restarts
    // SQLite's step-wise backup, which then never finishes). A count, not a rate: the rate is the
    // bench's (npm run bench -- --startup); under the whole suite on two cores it fell to 91/s once.
    expect(during).toBeGreaterThanOrEqual(50);

    const dir = await unpack(path.join(out, 'loaded.tar'));
    try {
      const db = new Database(path.join(dir, 'debrief.sqlite'), { readonly: true });
      expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      const ids = new Set((db.prepare('select client_message_id as id from chat_messages').all() as { id: string }[]).map((r) => r.id));
      db.close();
      const before = acked.filter((a) => a.at < started);
      expect(before.length).toBeGreaterThan(100);
      expect(before.filter((a) => !ids.has(a.id))).toEqual([]);
      expect(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')).members['debrief.sqlite']).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('keeps every upload the snapshot references, even one replaced (and deleted) while it runs', async () => {
    // An avatar replaced over and over: each change stores a new file and deletes the one before,
    // so the file the snapshot names is usually deleted before the archive is written.
    const [user] = await app.db.selectFrom('users').select(['id']).where('role', '=', 'admin').execute();
    const agent = await signIn(app, await app.db.selectFrom('users').selectAll().where('id', '=', user!.id).executeTakeFirstOrThrow());
    const pngs = await Promise.all(['#aa0000', '#00aa00', '#0000aa', '#aaaa00'].map((c) => smallPng(c, 64)));
    let changing = true;
    let changes = 0;
    const churn = (async () => {
      while (changing) {
        expect((await postRaw(app, agent, '/profile/avatar', pngs[changes % pngs.length]!, 'image/png')).status).toBe(200);
        changes++;
      }
    })();
    const file = path.join(out, 'churn.tar');
    const { done } = startScript('backup', { DATA_DIR: app.config.dataDir }, [file]);
    const r = await done;
    changing = false;
    await churn;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(changes).toBeGreaterThan(10);
    // Restore checks every member's hash and that no referenced upload is missing.
    const target = tempDir();
    try {
      const restored = runScript('restore', { DATA_DIR: target }, [file]);
      expect(restored.stderr).toBe('');
      expect(restored.status).toBe(0);
      expect(restored.stdout).toMatch(/the database and 1 upload\./);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  }, 120_000);
});
