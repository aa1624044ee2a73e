import type { AppDeps } from '../context.js';
import { AppError } from '../errors.js';
import { tokenBucket } from '../auth/rate-limit.js';

type Bucket = ReturnType<typeof tokenBucket>;
const buckets = new WeakMap<AppDeps, Bucket>();

/**
 * The per-user budget for chat messages and comments, shared by every way of sending (HTTP and
 * socket) on this instance: MESSAGE_BURST at once, MESSAGE_RATE_PER_MINUTE sustained.
 */
function sendLimiter(deps: AppDeps): Bucket {
  let b = buckets.get(deps);
  if (!b) {
    b = tokenBucket(deps.config.messageBurst, deps.config.messageRatePerMinute / 60, deps.clock);
    buckets.set(deps, b);
  }
  return b;
}

/** Take one send from the user's budget or throw 429 `rate_limited` (nothing is written). */
export function takeSend(deps: AppDeps, userId: string): void {
  const t = sendLimiter(deps).take(userId);
  if (!t.ok)
    throw new AppError(
      429,
      'rate_limited',
      'You are sending too fast. Please wait a moment.',
      { retryAfterSeconds: t.retryAfterSeconds },
      { 'Retry-After': String(t.retryAfterSeconds) },
    );
}
