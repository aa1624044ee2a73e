import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { connectRedis, type Redis } from '../../server/cluster/redis.js';
import { createLimiter } from '../../server/auth/rate-limit.js';
import { createSocketCounter, type SocketCounter } from '../../server/cluster/socket-count.js';
import { startRedis, type RedisServer } from '../support/redis.js';

/**
 * The shared limits of several instances against a real redis-server, each "instance" with a Redis
 * connection of its own: a limit and the sockets-per-user cap hold across them, a dead instance's
 * sockets stop counting once its heartbeat expires, and a frozen or restarted Redis never makes
 * them hang or throw.
 */

const logger = createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() }));
let server: RedisServer;
const clients: Redis[] = [];
const counters: SocketCounter[] = [];
const connect = async () => {
  const c = await connectRedis(server.url, logger, 5000);
  clients.push(c);
  return c;
};
/** A counter on an instance of its own; a short heartbeat so expiry is quick to see. */
const counter = async (cap: number, redis?: Redis) => {
  const c = createSocketCounter({ redis: redis ?? (await connect()), config: { socketsPerUser: cap }, logger }, { everyMs: 100, ttlMs: 400 });
  counters.push(c);
  return c;
};
const timed = async <T>(p: Promise<T>) => {
  const t = Date.now();
  return { value: await p, ms: Date.now() - t };
};
let n = 0;
const user = () => `user-${++n}`;

beforeAll(async () => {
  server = await startRedis();
});
afterEach(() => {
  server.thaw();
});
afterAll(() => {
  for (const c of counters) c.stop();
  for (const c of clients) if (c.isOpen) c.destroy();
  server.remove();
});

describe('createLimiter with Redis', () => {
  it('is one budget for every instance: burst at once, then refused with the seconds until the window ends', async () => {
    const spec = { name: `t${user()}`, burst: 3, perSecond: 0.1 }; // 3 per 30 s
    const a = createLimiter({ redis: await connect(), clock: Date.now }, spec);
    const b = createLimiter({ redis: await connect(), clock: Date.now }, spec);
    const answers = await Promise.all([a, b, a, b, a, b].map((l) => l.take('10.0.0.1')));
    expect(answers.filter((x) => x.ok)).toHaveLength(3);
    for (const x of answers.filter((x) => !x.ok)) expect(x).toEqual({ ok: false, retryAfterSeconds: 30 });
    // Another key, and another limiter's name, have budgets of their own.
    expect(await b.take('10.0.0.2')).toEqual({ ok: true });
    expect(await createLimiter({ redis: clients[0]!, clock: Date.now }, { ...spec, name: `${spec.name}-other` }).take('10.0.0.1')).toEqual({ ok: true });
  });

  it('answers from memory at once while Redis hangs, and never throws', async () => {
    const l = createLimiter({ redis: await connect(), clock: Date.now }, { name: `t${user()}`, burst: 2, perSecond: 1 });
    expect(await l.take('k')).toEqual({ ok: true });
    server.freeze();
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const { value, ms } = await timed(l.take('k'));
      expect(ms).toBeLessThan(1000);
      answers.push(value);
    }
    // The insurance counts on its own: a budget of 2 on this instance.
    expect(answers.map((x) => x.ok)).toEqual([true, true, false]);
  });
});

describe('createSocketCounter with Redis', () => {
  it('lets exactly the cap in across instances, however the attempts interleave', async () => {
    const [a, b] = [await counter(3), await counter(3)];
    const id = user();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquire(id)));
    expect(answers.filter(Boolean)).toHaveLength(3);
    expect(await a.acquire(id)).toBe(false);
    // A release on either frees a place for either.
    await b.release(id);
    expect([await b.acquire(id), await a.acquire(id)]).toEqual([true, false]);
  });

  it('stops counting a dead instance once its heartbeat expires (its sockets were never released)', async () => {
    const deadRedis = await connect();
    const [dead, alive] = [await counter(2, deadRedis), await counter(2)];
    const id = user();
    expect([await dead.acquire(id), await dead.acquire(id)]).toEqual([true, true]);
    expect(await alive.acquire(id)).toBe(false);
    // The instance dies: no heartbeat, no release.
    dead.stop();
    deadRedis.destroy();
    const since = Date.now();
    while (!(await alive.acquire(id))) {
      expect(Date.now() - since).toBeLessThan(2000);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await alive.acquire(id)).toBe(true);
    expect(await alive.acquire(id)).toBe(false);
  });

  it('counts on this instance alone while Redis hangs, without waiting long, and writes its counts once Redis is back', async () => {
    const [a, b] = [await counter(2), await counter(2)];
    const id = user();
    expect(await a.acquire(id)).toBe(true);
    server.freeze();
    const { value, ms } = await timed(b.acquire(id));
    expect(value).toBe(true);
    expect(ms).toBeLessThan(1000);
    expect(await b.acquire(id)).toBe(true); // b's own count (2) is the cap while Redis is away
    expect(await b.acquire(id)).toBe(false);
    server.thaw();
    // The heartbeat writes b's count (2): with a's one, nobody gets in anywhere now.
    await new Promise((r) => setTimeout(r, 400));
    expect(await a.acquire(id)).toBe(false);
    await b.release(id);
    await b.release(id);
    expect(await a.acquire(id)).toBe(true);
    expect(await a.acquire(id)).toBe(false);
  });

  it('writes every count again after Redis restarted empty', async () => {
    const [a, b] = [await counter(2), await counter(2)];
    const id = user();
    expect([await a.acquire(id), await a.acquire(id)]).toEqual([true, true]);
    await server.stop();
    await server.start();
    const since = Date.now();
    while (!clients.filter((c) => c.isOpen).every((c) => c.isReady)) {
      expect(Date.now() - since).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await b.acquire(id)).toBe(false);
  });
});

describe('one instance (no Redis)', () => {
  it('counts in memory', async () => {
    const c = createSocketCounter({ redis: null, config: { socketsPerUser: 1 }, logger });
    expect([await c.acquire('u'), await c.acquire('u'), await c.acquire('v')]).toEqual([true, false, true]);
    await c.release('u');
    expect(await c.acquire('u')).toBe(true);
  });
});
