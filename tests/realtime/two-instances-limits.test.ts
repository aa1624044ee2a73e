import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTestDatabase, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildFirm, signIn } from '../support/factories.js';
import { chatPeople, cmid } from '../support/chat.js';
import { connected, connectSocket } from '../support/socket.js';
import { startRedis, type RedisServer } from '../support/redis.js';

/**
 * Two instances (two apps on one PostgreSQL and one redis-server, REDIS_URL set) hold the limits
 * as one: the message budget of a user, the per-address login limit and the sockets-per-user cap
 * count what happened on both; an instance that dies stops counting; a frozen Redis never holds
 * an answer up for long.
 */

let redis: RedisServer;
let stopPg = () => {};
let a: TestApp;
let b: TestApp;
const sockets: Socket[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const pg = await pgTestDatabase();
  stopPg = pg.stop;
  const env = {
    DATABASE_URL: pg.url,
    DATABASE_POOL_SIZE: '3',
    REDIS_URL: redis.url,
    SECRET_KEY: randomBytes(32).toString('hex'),
    MESSAGE_BURST: '3',
    MESSAGE_RATE_PER_MINUTE: '1',
    SOCKETS_PER_USER: '2',
  };
  a = await startTestApp(env);
  b = await startTestApp(env);
  await buildFirm(a.db);
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  redis?.thaw();
  await a?.close();
  await b?.close();
  stopPg();
  redis?.remove();
});

/** The same signed-in person on the other instance (the session lives in the shared database). */
const on = (app: TestApp, agent: Agent) => Object.assign(new Agent(app.url), { cookie: agent.cookie });
const open = (app: TestApp, agent: Agent) => {
  const s = connectSocket(app, on(app, agent));
  sockets.push(s);
  return connected(s);
};
const refused = (app: TestApp, agent: Agent) => expect(open(app, agent)).rejects.toThrow('too_many_connections');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two instances, one Redis', () => {
  it('one message budget per user across both: MESSAGE_BURST=3 creates exactly 3 messages, the rest are 429 with Retry-After', async () => {
    const p = await chatPeople(a.db);
    const collab = await signIn(a, p.collabA);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => on(i % 2 ? a : b, collab).post(`/api/chat/${p.a.id}/messages`, { body: `hello ${i}`, clientMessageId: cmid() })),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(3);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(5);
    for (const r of limited) {
      expect(r.body.error.code).toBe('rate_limited');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(await a.db.selectFrom('chat_messages').select('id').where('author_id', '=', p.collabA.id).execute()).toHaveLength(3);
    // Someone else's budget is their own.
    expect((await on(b, await signIn(a, p.managerA)).post(`/api/chat/${p.a.id}/messages`, { body: 'mine', clientMessageId: cmid() })).status).toBe(201);
  });

  it('one login limit per address across both: 30 attempts pass in all, then 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 34; i++) {
      const r = await new Agent(i < 17 ? a.url : b.url).post('/api/auth/login', { email: `spray${i}@nowhere.test`, password: 'guess guess guess' });
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(30);
    expect(statuses.slice(30)).toEqual([429, 429, 429, 429]);
  });

  it('SOCKETS_PER_USER=2 across both: the third socket is refused wherever it lands; a closed one frees a place on either', async () => {
    const p = await chatPeople(a.db);
    const staff = await signIn(a, p.analyst);
    const first = await open(a, staff);
    await open(b, staff);
    await refused(a, staff);
    await refused(b, staff);
    first.close();
    let again: Socket | null = null;
    for (let i = 0; i < 50 && !again; i++) again = await open(b, staff).catch(() => pause(50).then(() => null));
    expect(again?.connected).toBe(true);
    await refused(a, staff);
  });

  it('while Redis is frozen, limits answer from memory within a second and sockets still connect', async () => {
    const p = await chatPeople(a.db);
    const manager = await signIn(a, p.managerA);
    redis.freeze();
    try {
      let t = Date.now();
      const sent = await on(b, manager).post(`/api/chat/${p.a.id}/messages`, { body: 'still here', clientMessageId: cmid() });
      expect(sent.status).toBe(201);
      expect(Date.now() - t).toBeLessThan(1000);
      t = Date.now();
      await open(a, manager);
      expect(Date.now() - t).toBeLessThan(1000);
    } finally {
      redis.thaw();
    }
  });

  it("a dead instance's sockets stop counting once its heartbeat expires (15 s), though it never released them", async () => {
    const p = await chatPeople(a.db);
    const staff = await signIn(a, p.admin);
    await open(b, staff);
    await open(b, staff);
    await refused(a, staff);
    // b dies as far as the others can tell: its Redis connection gone, nothing released.
    b.deps.redis!.destroy();
    const since = Date.now();
    let late: Socket | null = null;
    while (!late) {
      expect(Date.now() - since).toBeLessThan(20_000);
      late = await open(a, staff).catch(() => pause(500).then(() => null));
    }
    // Its heartbeat was at most 5 s old when it died: counted for 10 s at least, gone by 15 s.
    expect(Date.now() - since).toBeGreaterThan(9_000);
    await open(a, staff);
    await refused(a, staff);
  }, 30_000);
});
