import type { ApiError } from '$lib/api/http';

/**
 * "Too many attempts, try again in N s": started from a 429's `retryAfterSeconds`, ticks down
 * once a second and clears itself, so the form can be disabled until then.
 */
export class RetryCountdown {
  seconds = $state(0);
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Start from an API error; returns true when it was a 429. */
  startFrom(err: ApiError): boolean {
    if (err.status !== 429) return false;
    const s = Number((err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds);
    this.start(Number.isFinite(s) && s > 0 ? Math.ceil(s) : 30);
    return true;
  }

  start(seconds: number): void {
    this.stop();
    const until = Date.now() + seconds * 1000;
    this.seconds = seconds;
    this.#timer = setInterval(() => {
      this.seconds = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      if (this.seconds === 0) this.stop();
    }, 250);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  get active(): boolean {
    return this.seconds > 0;
  }
}
