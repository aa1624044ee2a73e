import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Redis } from './redis.js';

/** Live connections per user (SOCKETS_PER_USER), counted across every instance when there are several. */
export interface SocketCounter {
  /** Count one more socket of the user, or answer false (and count nothing) if they hold the most already. */
  acquire(userId: string): Promise<boolean>;
  /** Count one socket of the user fewer (once per acquire that answered true). */
  release(userId: string): Promise<void>;
  /**
   * The server is closing, its sockets gone: stop the heartbeat, finish the writes under way, and
   * say this instance is gone (its counts stop counting at once, not when they expire).
   */
  stop(): Promise<void>;
}

/** How often an instance says it is alive, and how long that holds: a dead instance's sockets stop counting within `ttlMs`. */
interface Heartbeat {
  everyMs: number;
  ttlMs: number;
}

const HEARTBEAT: Heartbeat = { everyMs: 5000, ttlMs: 15_000 };
/** How long a count waits for Redis before this instance's own count decides instead. */
const REDIS_WAIT_MS = 500;
const ALIVE = 'sockets:instance:';
const userKey = (userId: string) => `sockets:user:${userId}`;

/**
 * Check and count in one step, so two instances cannot both take the last place. KEYS[1] is the
 * user's hash (instance id → that instance's count); ARGV: this instance, the cap, the prefix of
 * the instances' heartbeat keys, and this instance's count if the socket is let in. Fields of
 * instances whose heartbeat has expired are dropped, not counted. (It reads heartbeat keys it was
 * not given as KEYS: fine on one Redis server, not on Redis Cluster.)
 */
const ACQUIRE = `
local total = tonumber(ARGV[4])
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if fields[i] ~= ARGV[1] then
    if redis.call('EXISTS', ARGV[3] .. fields[i]) == 1 then
      total = total + tonumber(fields[i + 1])
    else
      redis.call('HDEL', KEYS[1], fields[i])
    end
  end
end
if total > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
return 1`;

/** `run()`, or a rejection after `ms` if Redis has not answered (a hung server must not hold a handshake). */
function bounded<T>(run: () => Promise<T>, ms = REDIS_WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    Promise.resolve()
      .then(run)
      .then(resolve, reject)
      .finally(() => clearTimeout(t));
  });
}

/**
 * The sockets-per-user cap. One instance: a count in memory. Several (`redis` set): each instance
 * writes its own count per user into the user's Redis hash (`sockets:user:<id>`, field = instance
 * id, a random id per process start) and keeps a heartbeat key alive; a new socket is let in only
 * if the counts of live instances leave room (ACQUIRE). An instance that dies without releasing
 * stops counting once its heartbeat expires.
 *
 * Redis away (down, hung): this instance's own count decides, so for that time a user may hold
 * SOCKETS_PER_USER on each instance. Writes that missed Redis are made again (the absolute count)
 * by the next heartbeat; after a reconnect, or after this instance was taken for dead, all are.
 */
export function createSocketCounter(deps: { redis: Redis | null; config: { socketsPerUser: number }; logger: Logger }, beat = HEARTBEAT): SocketCounter {
  const { redis } = deps;
  const cap = deps.config.socketsPerUser;
  /** This instance's sockets per user: the whole truth on one instance, this instance's share on several. */
  const local = new Map<string, number>();
  const setLocal = (userId: string, n: number) => (n > 0 ? local.set(userId, n) : local.delete(userId));

  if (!redis)
    return {
      async acquire(userId) {
        const n = local.get(userId) ?? 0;
        if (n >= cap) return false;
        setLocal(userId, n + 1);
        return true;
      },
      async release(userId) {
        setLocal(userId, (local.get(userId) ?? 0) - 1);
      },
      async stop() {},
    };

  const instance = randomUUID();
  // Which instance holds whose sockets can be read in Redis (sockets:user:<id>): the log says which id is this one.
  deps.logger.info({ instance }, 'socket counts shared through Redis');
  /** Users whose count in Redis may differ from `local` (a write missed Redis). */
  const stale = new Set<string>();
  // One user's counts change one at a time on this instance, in order, so each write to Redis
  // carries the count that follows the one before (Redis runs one connection's commands in order).
  const queues = new Map<string, Promise<unknown>>();
  function inOrder<T>(userId: string, step: () => Promise<T>): Promise<T> {
    const done = (queues.get(userId) ?? Promise.resolve()).then(step);
    const tail = done.catch(() => {});
    queues.set(userId, tail);
    void tail.then(() => queues.get(userId) === tail && queues.delete(userId));
    return done;
  }
  let warned = false;
  const missed = (userId: string, err: unknown) => {
    stale.add(userId);
    if (!warned) deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'socket counts: Redis unavailable, counting on this instance');
    warned = true;
  };
  /** Write this instance's count of the user (absolute, so a write made again is harmless). */
  const write = async (userId: string) => {
    const n = local.get(userId) ?? 0;
    try {
      await bounded(() => (n > 0 ? redis.hSet(userKey(userId), instance, n) : redis.hDel(userKey(userId), instance)));
      stale.delete(userId);
    } catch (err) {
      missed(userId, err);
    }
  };

  const heartbeat = async () => {
    try {
      // GET: no previous value means the others took this instance for dead (its fields may be gone).
      const before = await bounded(() => redis.set(ALIVE + instance, '1', { expiration: { type: 'PX', value: beat.ttlMs }, GET: true }));
      if (before === null) for (const u of local.keys()) stale.add(u);
      warned = false;
    } catch {
      return;
    }
    for (const u of stale) void inOrder(u, () => write(u));
  };
  // A reconnect may be to a Redis that restarted empty: write every count again.
  const reconnected = () => {
    for (const u of local.keys()) stale.add(u);
    void heartbeat();
  };
  redis.on('ready', reconnected);
  const timer = setInterval(() => void heartbeat(), beat.everyMs);
  timer.unref();
  void heartbeat();

  return {
    acquire: (userId) =>
      inOrder(userId, async () => {
        const n = local.get(userId) ?? 0;
        try {
          const args = [instance, String(cap), ALIVE, String(n + 1)];
          if ((await bounded(() => redis.eval(ACQUIRE, { keys: [userKey(userId)], arguments: args }))) !== 1) return false;
          stale.delete(userId);
        } catch (err) {
          if (n >= cap) return false;
          missed(userId, err);
        }
        setLocal(userId, n + 1);
        return true;
      }),
    release: (userId) =>
      inOrder(userId, async () => {
        setLocal(userId, (local.get(userId) ?? 0) - 1);
        await write(userId);
      }),
    async stop() {
      clearInterval(timer);
      redis.off('ready', reconnected);
      await Promise.allSettled([...queues.values()]);
      await bounded(() => redis.del(ALIVE + instance)).catch(() => {});
    },
  };
}
