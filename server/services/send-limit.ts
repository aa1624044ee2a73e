import type { AppDeps } from '../context.js';
import { AppError } from '../errors.js';
import { createLimiter, type Limiter } from '../auth/rate-limit.js';

const limiters = new WeakMap<AppDeps, Limiter>();

/**
 * The per-user budget for chat messages and comments, shared by every way of sending (HTTP and
 * socket) and, with several instances, by all of them: MESSAGE_BURST at once,
 * MESSAGE_RATE_PER_MINUTE sustained.
 */
function sendLimiter(deps: AppDeps): Limiter {
  let l = limiters.get(deps);
  if (!l) {
    l = createLimiter(deps, { name: 'send', burst: deps.config.messageBurst, perSecond: deps.config.messageRatePerMinute / 60 });
    limiters.set(deps, l);
  }
  return l;
}

/** Take one send from the user's budget or throw 429 `rate_limited` (nothing is written). */
export async function takeSend(deps: AppDeps, userId: string): Promise<void> {
  const t = await sendLimiter(deps).take(userId);
  if (!t.ok)
    throw new AppError(
      429,
      'rate_limited',
      'You are sending too fast. Please wait a moment.',
      { retryAfterSeconds: t.retryAfterSeconds },
      { 'Retry-After': String(t.retryAfterSeconds) },
    );
}
