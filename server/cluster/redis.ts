import { createClient } from 'redis';
import type { Logger } from '../logger.js';

/** The Redis connection of several-instances mode (REDIS_URL): Socket.IO's adapter and the shared limits use it. */
export type Redis = ReturnType<typeof createClient>;

/** Where a Redis URL points, without its password: for logs and errors. */
function describeRedis(url: string): string {
  const u = new URL(url);
  return `Redis at ${u.hostname}:${u.port || 6379}`;
}

/**
 * Connect to REDIS_URL, waiting up to `waitMs` for a first connection (else throw, naming host and
 * port). After that the client reconnects by itself, forever, backing off to 2 s; while it is away
 * `ready` is false, commands fail at once instead of queueing, and the instance keeps serving
 * (security and the live feed never rest on Redis).
 */
export async function connectRedis(url: string, logger: Logger, waitMs: number): Promise<Redis> {
  const where = describeRedis(url);
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  });
  let up = false;
  client.on('error', (err: Error) => {
    if (up) logger.warn({ err: err.message, redis: where }, 'Redis connection lost');
    up = false;
  });
  client.on('ready', () => {
    if (!up) logger.info({ redis: where }, 'Redis connected');
    up = true;
  });
  const deadline = new Promise<never>((_, reject) => {
    const t = setTimeout(() => reject(new Error(`not reachable within ${Math.round(waitMs / 1000)} s`)), waitMs);
    t.unref();
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (err) {
    client.destroy();
    throw new Error(`Cannot reach ${where} (REDIS_URL): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return client;
}

/** How long /healthz waits for Redis to answer a PING before it says Redis is down. */
const PING_MS = 500;
const pending = new WeakMap<Redis, Promise<unknown>>();

/**
 * Whether Redis answers now: connected, and a PING answered within PING_MS (a hung server keeps
 * its connection open). At most one PING is in flight per client: while one waits, Redis is down.
 */
export async function redisAnswers(client: Redis): Promise<boolean> {
  if (!client.isReady || pending.has(client)) return false;
  const ping = client.ping().finally(() => pending.delete(client));
  pending.set(client, ping);
  const late = new Promise<false>((resolve) => setTimeout(() => resolve(false), PING_MS).unref());
  return Promise.race([
    ping.then(
      () => true,
      () => false,
    ),
    late,
  ]);
}
