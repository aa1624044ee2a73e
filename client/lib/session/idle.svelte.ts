import { touchIntervalMs } from '$contracts/sign-out';

/**
 * The idle warning's clock (issue 18, point 6), one for every tab of this browser. The server
 * owns the deadline: each signed-in API answer says how long is left (`x-idle-remaining`, read in
 * `lib/api/http.ts`), and the person's own socket actions move it too (never the server's pushes).
 * Tabs share it over a BroadcastChannel: a newer deadline, "Stay signed in" and "Sign out" in one
 * tab reach the others, so every tab shows the same countdown and they all end together.
 */

type Message = { t: 'deadline'; at: number } | { t: 'input'; at: number } | { t: 'signout'; reason: 'idle_timeout' | null };
/** What counts as the person being there: their own keys and pointer, in any tab. */
const INPUTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
/** Tabs tell each other of input at most this often. */
const INPUT_SHARE_MS = 5000;
const CHANNEL = 'debrief-session';
const TICK_MS = 1000;

class IdleClock {
  /** When the session will be ended for inactivity (this machine's clock), once known. */
  deadline = $state<number | null>(null);
  now = $state(Date.now());
  timeoutMs = $state(0);
  warningMs = $state(0);
  /** Whether the countdown dialog is up. */
  warning = $derived(this.deadline !== null && this.warningMs > 0 && this.deadline - this.now <= this.warningMs);
  secondsLeft = $derived(this.deadline === null ? 0 : Math.max(0, Math.ceil((this.deadline - this.now) / 1000)));
  private channel: BroadcastChannel | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private onExpired: (() => void) | null = null;
  private onSignOut: ((reason: 'idle_timeout' | null) => void) | null = null;
  private pending: number | null = null;
  /** When the person last touched any tab of this browser (a fresh page load counts: they asked for it). */
  private lastInput = Date.now();
  private lastShared = 0;
  private onInput = () => {
    this.lastInput = Date.now();
    if (this.lastInput - this.lastShared >= INPUT_SHARE_MS) {
      this.lastShared = this.lastInput;
      this.post({ t: 'input', at: this.lastInput });
    }
  };

  /**
   * How long ago the person last touched any tab (sent with every API request: a request the page
   * makes by itself after a push is not their activity, so it does not keep the session alive).
   */
  idleFor(): number {
    return Math.max(0, Date.now() - this.lastInput);
  }

  /**
   * Start counting for a signed-in page: `onExpired` runs in the tab whose clock reaches the
   * deadline first; `onSignOut` in the others when any tab signs out.
   */
  start(idle: { timeoutMs: number; warningMs: number }, onExpired: () => void, onSignOut: (reason: 'idle_timeout' | null) => void): void {
    this.timeoutMs = idle.timeoutMs;
    this.warningMs = idle.warningMs;
    this.onExpired = onExpired;
    this.onSignOut = onSignOut;
    if (this.timer) return; // already counting (the layout's data is read again on every navigation)
    this.now = Date.now();
    if (this.pending !== null) this.moveTo(this.pending, false);
    this.pending = null;
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(CHANNEL);
      this.channel.onmessage = (e: MessageEvent<Message>) => this.receive(e.data);
    }
    this.timer = setInterval(() => this.tick(), TICK_MS);
    for (const e of INPUTS) addEventListener(e, this.onInput, { capture: true, passive: true });
  }

  /** Stop counting (signed out, or the signed-in layout is gone). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const e of INPUTS) removeEventListener(e, this.onInput, { capture: true });
    this.channel?.close();
    this.channel = null;
    this.deadline = null;
    this.onExpired = this.onSignOut = null;
  }

  /** An API answer said how long the session has left (`x-idle-remaining`). */
  sawRemaining(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const at = Date.now() + ms;
    if (!this.timer)
      this.pending = at; // an answer read before the layout started the clock
    else this.moveTo(at, true);
  }

  /**
   * The person acted over the socket (a chat message, a comment): the server recorded it, or did
   * within its write interval, so the deadline is at least this far away.
   */
  sawOwnAction(): void {
    if (this.timer && this.timeoutMs > 0) this.moveTo(Date.now() + this.timeoutMs - touchIntervalMs(this.timeoutMs), true);
  }

  /** Tell the other tabs this browser signed out (they leave without asking the server again). */
  announceSignOut(reason: 'idle_timeout' | null): void {
    this.post({ t: 'signout', reason });
  }

  /**
   * This tab heard from the server: its word is the truth, even when it moves the deadline back.
   * Messages from other tabs are merged by taking the later time (they may arrive in any order).
   */
  private moveTo(at: number, share: boolean): void {
    this.deadline = at;
    this.now = Date.now();
    if (share) this.post({ t: 'deadline', at });
  }

  private receive(m: Message): void {
    if (m.t === 'deadline') {
      if (this.deadline === null || m.at > this.deadline) this.deadline = m.at;
      this.now = Date.now();
    } else if (m.t === 'input') this.lastInput = Math.max(this.lastInput, m.at);
    else this.onSignOut?.(m.reason);
  }

  private post(m: Message): void {
    try {
      this.channel?.postMessage(m);
    } catch {
      // a closed channel: this tab is leaving anyway
    }
  }

  private tick(): void {
    this.now = Date.now();
    if (this.deadline !== null && this.now >= this.deadline) {
      const expired = this.onExpired;
      this.stop();
      expired?.();
    }
  }
}

/** This tab's idle clock. */
export const idle = new IdleClock();
