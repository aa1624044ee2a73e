import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { rateLimited } from '../errors.js';
import type { Db } from '../../db/client.js';
import type { Redis } from '../cluster/redis.js';
import { blockThrottle, countThrottleFailure, deleteThrottle, findThrottle } from '../repositories/auth-throttle.js';

/** A limiter's answer: go ahead, or how many seconds until there is enough budget again (Retry-After). */
export type LimitAnswer = { ok: true } | { ok: false; retryAfterSeconds: number };

/** A rate limit by key (an address, a user id): the one shape every limit of the app has. */
export interface Limiter {
  /** Spend `cost` (default 1) from the key's budget, or say how long until there is enough. Never rejects for Redis. */
  take(key: string, cost?: number): Promise<LimitAnswer>;
}

/** How long a shared limit waits for Redis before the in-memory insurance answers instead. */
const REDIS_WAIT_MS = 500;

/**
 * A limit of `burst` at once and `perSecond` sustained, per key, named `name` (its Redis key prefix).
 *
 * One instance (`redis` null): the exact token bucket below, on the app's clock.
 *
 * Several instances: one budget for all of them in Redis (rate-limiter-flexible's RateLimiterRedis,
 * a fixed window). The bucket maps to `burst` points per window of `ceil(burst / perSecond)` s: the
 * same burst, and a sustained rate of at most `perSecond`; the window starts at a key's first take
 * and its whole budget comes back when it ends (so across one window's end up to 2 × burst may pass
 * in a short time, which a bucket would smooth). When Redis does not answer within REDIS_WAIT_MS
 * (down, reconnecting, or hung), an in-memory limiter of the same size answers at once: while
 * Redis is away each instance counts on its own, so the limit is per instance for that time.
 */
export function createLimiter(deps: { redis: Redis | null; clock: () => number }, spec: { name: string; burst: number; perSecond: number }): Limiter {
  if (!deps.redis) {
    const bucket = tokenBucket(spec.burst, spec.perSecond, deps.clock);
    return { take: async (key, cost) => bucket.take(key, cost) };
  }
  const points = spec.burst;
  const duration = Math.max(1, Math.ceil(spec.burst / spec.perSecond));
  const shared = new RLWrapperTimeouts({
    // rejectIfRedisNotReady: while the client is reconnecting, the insurance answers without a try.
    limiter: new RateLimiterRedis({
      storeClient: deps.redis,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      keyPrefix: `limit:${spec.name}`,
      points,
      duration,
    }),
    timeoutMs: REDIS_WAIT_MS,
    insuranceLimiter: new RateLimiterMemory({ points, duration }),
  });
  return {
    async take(key, cost = 1) {
      try {
        await shared.consume(key, cost);
        return { ok: true };
      } catch (refused) {
        // A RateLimiterRes is "over the limit"; anything else is a bug, not Redis (the insurance took that).
        if (!(refused instanceof RateLimiterRes)) throw refused;
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(refused.msBeforeNext / 1000)) };
      }
    },
  };
}

/**
 * A token bucket per key (for example per IP): `capacity` requests at once, refilled at
 * `perSecond`. In memory, on one instance (`createLimiter` shares limits across instances);
 * per-account limits live in the database (below).
 */
/** A per-address turn for a public route: 429 (with Retry-After) once the address spent its burst. */
export function perAddressTurns(deps: { redis: Redis | null; clock: () => number }, spec: { name: string; burst: number; perSecond: number }) {
  const limiter = createLimiter(deps, spec);
  return async (ip: string | undefined): Promise<void> => {
    const turn = await limiter.take(ip ?? 'unknown');
    if (!turn.ok) throw rateLimited(turn.retryAfterSeconds);
  };
}

export function tokenBucket(capacity: number, perSecond: number, clock: () => number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Take `cost` tokens, or say how many seconds until there will be enough. */
    take(key: string, cost = 1): LimitAnswer {
      const now = clock();
      const b = buckets.get(key) ?? { tokens: capacity, at: now };
      b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * perSecond);
      b.at = now;
      if (buckets.size > 50_000) for (const [k, v] of buckets) if (v.tokens >= capacity) buckets.delete(k);
      if (b.tokens < cost) {
        buckets.set(key, b);
        return { ok: false, retryAfterSeconds: Math.ceil((cost - b.tokens) / perSecond) };
      }
      b.tokens -= cost;
      buckets.set(key, b);
      return { ok: true };
    },
  };
}

/** Failures allowed before back-off starts, the first delay, and the cap (OWASP: slow down, don't lock out forever). */
const FREE_FAILURES = 4;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 5 * 60_000;

/** Seconds the key must still wait (0 = may try now). Keys are like `login:<email>` or `totp:<userId>`. */
export async function throttleWait(db: Db, key: string, now: number): Promise<number> {
  const row = await findThrottle(db, key);
  return row && row.blocked_until > now ? Math.ceil((row.blocked_until - now) / 1000) : 0;
}

/** Record a failure; from the fifth on, each doubles the wait (30 s, 1 min, 2 min … capped at 5 min, ASVS). */
export async function throttleFailure(db: Db, key: string, now: number): Promise<void> {
  const failures = await countThrottleFailure(db, key, now);
  if (failures > FREE_FAILURES) {
    const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failures - FREE_FAILURES - 1));
    await blockThrottle(db, key, now + delay);
  }
}

/** Forget the failures after a success. */
export async function throttleReset(db: Db, key: string): Promise<void> {
  await deleteThrottle(db, key);
}
