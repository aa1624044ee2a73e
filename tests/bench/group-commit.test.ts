import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { seedWorld, type World } from '../../bench/lib/seed.js';
import { freePort, freshDataDir, openBenchDb } from '../../bench/lib/server.js';
import { spawnServer, type Spawned } from '../support/spawn.js';

/**
 * The chat write path's group commit, on the production build in its own process: sends that
 * arrive together are acknowledged only once their transaction committed (another connection
 * already sees the row when the ack arrives), and a `kill -9` in the middle of a burst loses
 * none of the messages that were acknowledged — they are in the file, and a restarted server
 * replays them to a returning socket.
 */

const USERS = 20;
const spawned: Spawned[] = [];
const sockets: Socket[] = [];
const dirs: string[] = [];

afterEach(async () => {
  sockets.splice(0).forEach((s) => s.close());
  for (const s of spawned.splice(0)) {
    if (s.child.exitCode === null && !s.child.signalCode) s.child.kill('SIGKILL');
    await s.exited;
  }
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function setup(): Promise<{ dataDir: string; world: World; port: number }> {
  const dataDir = freshDataDir();
  dirs.push(dataDir);
  const seed = await openBenchDb(dataDir);
  const world = await seedWorld(seed.db, {
    clients: 1,
    usersPerClient: USERS,
    role: 'collaborator',
    staff: 1,
    idleMs: 30 * 60_000,
    absoluteMs: 12 * 3_600_000,
  });
  await seed.close();
  return { dataDir, world, port: await freePort() };
}

async function start(dataDir: string, port: number): Promise<{ url: string; server: Spawned }> {
  const url = `http://127.0.0.1:${port}`;
  const server = spawnServer({
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    LOG_LEVEL: 'info',
    MESSAGE_RATE_PER_MINUTE: '100000',
    MESSAGE_BURST: '10000',
  });
  spawned.push(server);
  await server.waitForLog((l) => l.msg === 'Debrief is listening', 20_000);
  return { url, server };
}

async function connect(url: string, cookie: string): Promise<Socket> {
  const s = io(url, { path: '/socket.io', transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { origin: url, cookie } } as Parameters<
    typeof io
  >[1]);
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('socket did not connect')), 10_000);
    s.once('connect', () => (clearTimeout(t), resolve()));
    s.once('connect_error', (e) => (clearTimeout(t), reject(e)));
  });
  return s;
}

const cmid = () => `g${randomBytes(8).toString('hex')}`;

describe('group commit on the chat write path', () => {
  it('acknowledges concurrent sends only after their transaction committed', async () => {
    const { dataDir, world, port } = await setup();
    const { url } = await start(dataDir, port);
    const users = world.clients[0]!.users;
    const conns = await Promise.all(users.map((u) => connect(url, u.cookie)));
    // A second connection to the same file, as another process would see it.
    const reader = new Database(path.join(dataDir, 'debrief.sqlite'), { readonly: true });
    const visible = reader.prepare('select count(*) as n from chat_messages where author_id = ? and client_message_id = ?');
    const checks: boolean[] = [];
    const sends = conns.flatMap((s, i) =>
      Array.from({ length: 10 }, async () => {
        const id = cmid();
        const answer = await s.timeout(20_000).emitWithAck('message:send', { body: `concurrent ${id}`, clientMessageId: id });
        expect(answer.ok, JSON.stringify(answer)).toBe(true);
        // At the moment the ack arrives, the row must already be committed.
        checks.push((visible.get(users[i]!.id, id) as { n: number }).n === 1);
      }),
    );
    await Promise.all(sends);
    reader.close();
    expect(checks).toHaveLength(USERS * 10);
    expect(checks.every(Boolean)).toBe(true);
  });

  it('loses none of the acknowledged messages when the server is killed with SIGKILL mid-burst', async () => {
    const { dataDir, world, port } = await setup();
    const { url, server } = await start(dataDir, port);
    const client = world.clients[0]!;
    const conns = await Promise.all(client.users.map((u) => connect(url, u.cookie)));
    const acked = new Set<string>();
    let inFlightAtKill = 0;
    let inFlight = 0;
    let killed = false;
    const deadline = Date.now() + 15_000;
    // Each user keeps 3 sends in flight until the server is gone (bounded by the deadline).
    const lanes = conns.flatMap((s) =>
      Array.from({ length: 3 }, async () => {
        while (!killed && Date.now() < deadline) {
          const id = cmid();
          inFlight++;
          try {
            const answer = await s.timeout(5_000).emitWithAck('message:send', { body: `burst ${id}`, clientMessageId: id });
            // An ack that arrived at all (even one racing the kill signal) is a promise kept.
            if (answer.ok) acked.add(id);
          } catch {
            // no ack: the server died first — this message was never promised
          } finally {
            inFlight--;
          }
        }
      }),
    );
    const killer = (async () => {
      while (acked.size < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      inFlightAtKill = inFlight;
      server.child.kill('SIGKILL');
      await server.exited;
      killed = true;
    })();
    await Promise.all([killer, ...lanes]);
    expect(acked.size).toBeGreaterThanOrEqual(150);
    expect(inFlightAtKill, 'the kill must land while sends are in flight').toBeGreaterThan(0);

    // Every acknowledged message is in the file (opening it recovers the WAL as the server would).
    const db = new Database(path.join(dataDir, 'debrief.sqlite'));
    const stored = new Set((db.prepare('select client_message_id as id from chat_messages').all() as { id: string }[]).map((r) => r.id));
    db.close();
    const missing = [...acked].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);

    // And a restarted server replays them, once each, to a socket coming back from the start.
    const again = await start(dataDir, port);
    const back = await connect(again.url, client.users[0]!.cookie);
    const answer = await back.timeout(20_000).emitWithAck('feed:subscribe', { since: 0 });
    expect(answer.ok).toBe(true);
    const replayed = (answer.events as { type: string; data: { clientMessageId: string } }[])
      .filter((e) => e.type === 'message:created')
      .map((e) => e.data.clientMessageId);
    expect(new Set(replayed).size).toBe(replayed.length);
    expect([...acked].filter((id) => !replayed.includes(id))).toEqual([]);
  });
});
