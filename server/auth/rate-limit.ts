import type { Db } from '../../db/client.js';
import { blockThrottle, countThrottleFailure, deleteThrottle, findThrottle } from '../repositories/auth-throttle.js';

/**
 * A token bucket per key (for example per IP): `capacity` requests at once, refilled at
 * `perSecond`. In memory: it smooths bursts on this instance; per-account limits that must
 * hold across instances live in the database (below).
 */
export function tokenBucket(capacity: number, perSecond: number, clock: () => number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Take `cost` tokens, or say how many seconds until there will be enough. */
    take(key: string, cost = 1): { ok: true } | { ok: false; retryAfterSeconds: number } {
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
