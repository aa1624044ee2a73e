import { io, type Socket } from 'socket.io-client';
import type { Ack, FeedEventType } from '$contracts/realtime';
import { PASSIVE_SOCKET_EVENTS } from '$contracts/sign-out';
import { idle } from '$lib/session/idle.svelte';
import type { AnyFeedEvent, ClientToServerEvents, FeedEvent, PushEvent, PushEvents, RequestEvent, Requests, ServerToClientEvents } from '$contracts/socket';

/**
 * The page's one live connection. It subscribes to the viewer's feed with the last position it
 * saw (a fresh page: where its data was read, from the API answers' feed position), applies the
 * catch-up answer and then the live events that arrived meanwhile (held until
 * the answer), each once and in position order. Pages listen with `on(type, fn)`; a gap too old
 * for the server's log calls the `onResync` listeners (pages reload their data). Sends made with
 * `send` wait in an outbox while the connection is down and go out, in order, once it is back.
 *
 * This is the one place the browser touches the socket: every event name and payload is typed by
 * `contracts/socket.ts`, so a page never chooses a payload's type itself.
 */

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'offline';
type Listener = (e: AnyFeedEvent) => void;
type Send = { event: RequestEvent; payload: Requests[RequestEvent]['input']; resolve: (a: Ack<Record<string, unknown>>) => void };
type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a send waits for its ack before it is retried (same client message id, so no duplicate). */
const ACK_TIMEOUT_MS = 10_000;
/** The delivered events kept for listeners that start after them (see `replay`). */
const RECENT_MAX = 1000;
/** The pause before connecting again after the server closed or refused the connection. */
const RETRY_AFTER_REFUSAL_MS = 2000;

export class Live {
  state = $state<LiveState>('connecting');
  /** Sends waiting for a connection (shown as "will send when back online"). */
  queued = $state(0);
  private socket: AppSocket | null = null;
  private position: number | null = null;
  private catchingUp = false;
  private held: AnyFeedEvent[] = [];
  private listeners = new Map<string, Set<Listener>>();
  private resyncers = new Set<() => void>();
  private pushListeners = new Map<string, Set<(p: unknown) => void>>();
  private liveListeners = new Set<() => void>();
  private reconnectListeners = new Set<() => void>();
  /** Catch-ups completed on this page's connection (the first connection's counts as one). */
  private caughtUp = 0;
  private endedListeners = new Set<() => void>();
  private outbox: Send[] = [];
  private flushing = false;
  /** Feed positions of API answers (see `sawRead`): the lowest before the first subscription, the lowest since the last replay, the newest. */
  private firstRead: number | null = null;
  private unjoined: number | null = null;
  private newestRead: number | null = null;
  /** Events delivered lately, in position order, and the highest one dropped from this list. */
  private recent: AnyFeedEvent[] = [];
  private droppedUpTo = 0;
  /** Listeners added this turn, waiting for the events they missed (see `replay`). */
  private fresh: { type: string; fn: Listener }[] = [];

  /** Open the connection (idempotent). Called by the signed-in layout; `url` only where there is no page origin (tests). */
  start(url?: string): void {
    if (this.socket) return;
    const options = { path: '/socket.io', transports: ['websocket'], reconnectionDelayMax: 5000 };
    const s: AppSocket = url ? io(url, options) : io(options);
    this.socket = s;
    this.state = 'connecting';
    s.on('connect', () => {
      void this.subscribe();
      this.reportVisibility();
    });
    s.on('disconnect', (reason) => {
      this.state = navigator.onLine ? 'reconnecting' : 'offline';
      // The server ended this session (signed out elsewhere, access removed): the session check
      // on the next navigation sends the person to sign in; try once more so a live session recovers.
      if (reason === 'io server disconnect') {
        this.endedListeners.forEach((f) => f());
        this.retryLater(s);
      }
    });
    s.on('connect_error', (err) => {
      this.state = navigator.onLine ? 'reconnecting' : 'offline';
      if (s.active) return; // a network failure: the library tries again by itself
      // The server refused the handshake, and the library gives up. A session that ended while
      // this page could not hear it (offline, or between connections) is refused here: check it,
      // so the pages end with its reason. Anything else (too many connections): try again later.
      if (err.message === 'unauthenticated') this.endedListeners.forEach((f) => f());
      this.retryLater(s);
    });
    s.onAny((event: string, payload: unknown) => this.receive(event, payload));
    addEventListener('offline', this.onOffline);
    addEventListener('online', this.onOnline);
    globalThis.document?.addEventListener('visibilitychange', this.reportVisibility);
  }

  /** Close the connection (sign-out). */
  stop(): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.position = null;
    this.firstRead = this.unjoined = this.newestRead = null;
    this.recent = [];
    this.caughtUp = 0;
    this.droppedUpTo = 0;
    removeEventListener('offline', this.onOffline);
    removeEventListener('online', this.onOnline);
    globalThis.document?.removeEventListener('visibilitychange', this.reportVisibility);
  }

  /**
   * Tell the server whether this tab is visible: what happens on a finding or chat open in a
   * visible tab makes no unread notification or mail; in a hidden one it does.
   */
  private reportVisibility = () => {
    if (this.socket?.connected && globalThis.document) void this.request('presence:visibility', { visible: document.visibilityState === 'visible' });
  };

  /** Connect this socket again after a pause, unless the page stopped it meanwhile (signed out). */
  private retryLater(s: AppSocket): void {
    setTimeout(() => {
      if (this.socket === s && !s.connected) s.connect();
    }, RETRY_AFTER_REFUSAL_MS);
  }

  private onOffline = () => (this.state = 'offline');
  private onOnline = () => {
    if (this.state === 'offline') this.state = 'reconnecting';
    if (this.socket && !this.socket.connected) this.socket.connect();
  };

  /**
   * Listen to one feed event type; returns the function that stops listening. A page starts
   * listening after its data arrived: the events delivered since that data was read reach the new
   * listener too (see `replay`), so nothing between the read and the listening is missed.
   */
  on<K extends FeedEventType>(type: K, fn: (e: FeedEvent<K>) => void): () => void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(fn as Listener);
    this.listeners.set(type, set);
    if (!this.fresh.length) queueMicrotask(() => this.replay());
    this.fresh.push({ type, fn: fn as Listener });
    return () => set.delete(fn as Listener);
  }

  /**
   * An API answer says where the feed stood when its read began (`x-feed-position`): every event
   * up to there is in the page's data. The first subscription starts from the lowest such
   * position, so changes made between a page's first reads and its live connection reach it;
   * listeners a page adds after its reads get the events delivered since (`replay`).
   */
  sawRead(position: number): void {
    if (!Number.isSafeInteger(position) || position < 0) return;
    this.newestRead = position;
    this.unjoined = Math.min(this.unjoined ?? position, position);
    if (this.position === null) this.firstRead = Math.min(this.firstRead ?? position, position);
  }

  /**
   * Give the listeners added this turn the delivered events they missed, in position order: those
   * above the lowest position of the answers since the last replay — the data the new listeners'
   * page was just given — or, when none came (a part that mounts later), above the newest answer.
   * When some of those events are no longer kept, the pages reload instead.
   */
  private replay(): void {
    const fresh = this.fresh.splice(0);
    const floor = this.unjoined ?? this.newestRead;
    this.unjoined = null;
    if (floor === null) return;
    if (this.droppedUpTo > floor) {
      this.resyncers.forEach((f) => f());
      return;
    }
    for (const e of this.recent) {
      if (e.position <= floor) continue;
      for (const l of fresh) if (l.type === e.type && this.listeners.get(l.type)?.has(l.fn)) this.call(l.fn, e);
    }
  }

  /** Listen to a non-feed push (`notification:created`, `presence:changed`, `typing:changed`). */
  onPush<K extends PushEvent>(event: K, fn: (payload: PushEvents[K]) => void): () => void {
    const set = this.pushListeners.get(event) ?? new Set();
    set.add(fn as (p: unknown) => void);
    this.pushListeners.set(event, set);
    return () => set.delete(fn as (p: unknown) => void);
  }

  /** Called after every (re)connection's catch-up: a page re-joins its presence room here. */
  onLive(fn: () => void): () => void {
    this.liveListeners.add(fn);
    if (this.state === 'live') fn();
    return () => this.liveListeners.delete(fn);
  }

  /** Call `fn` once, after the next (re)connection's catch-up — not now, even when live. */
  onceLiveAgain(fn: () => void): () => void {
    const once = () => {
      this.liveListeners.delete(once);
      fn();
    };
    this.liveListeners.add(once);
    return () => this.liveListeners.delete(once);
  }

  /**
   * Called after each re-connection's catch-up, not the first connection's. Pushes (a new brand, a
   * client's new configuration) are not in the catch-up log: what they would have said meanwhile
   * is fetched again here.
   */
  onReconnected(fn: () => void): () => void {
    this.reconnectListeners.add(fn);
    return () => this.reconnectListeners.delete(fn);
  }

  /** Called when the server closed this connection (session ended, access removed): check the session. */
  onEnded(fn: () => void): () => void {
    this.endedListeners.add(fn);
    return () => this.endedListeners.delete(fn);
  }

  /** Called when the server can no longer catch this page up: reload its data. */
  onResync(fn: () => void): () => void {
    this.resyncers.add(fn);
    return () => this.resyncers.delete(fn);
  }

  /** Ask and wait for the answer now (presence, typing); fails at once while disconnected. */
  async request<E extends RequestEvent>(event: E, payload: Requests[E]['input']): Promise<Ack<Requests[E]['result']>> {
    if (!this.socket?.connected) return { ok: false, error: { code: 'unavailable', message: 'You are offline.' } };
    try {
      return await this.emit(event, payload);
    } catch {
      return { ok: false, error: { code: 'unavailable', message: 'No answer from the server.' } };
    }
  }

  /**
   * Send a write that must not be lost (a chat message): queued while offline, retried after a
   * lost ack with the same payload (its client message id makes the retry harmless), resolved
   * with the server's answer.
   */
  send<E extends RequestEvent>(event: E, payload: Requests[E]['input']): Promise<Ack<Requests[E]['result']>> {
    return new Promise((resolve) => {
      this.outbox.push({ event, payload, resolve: resolve as Send['resolve'] });
      this.queued = this.outbox.length;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.outbox.length && this.socket?.connected) {
        const item = this.outbox[0]!;
        let answer: Ack<Record<string, unknown>>;
        try {
          answer = await this.emit(item.event, item.payload);
        } catch {
          continue; // no ack in time: send the same thing again (idempotent), or wait for the reconnect
        }
        this.outbox.shift();
        this.queued = this.outbox.length;
        item.resolve(answer);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async subscribe(): Promise<void> {
    const s = this.socket!;
    this.catchingUp = true;
    this.held = [];
    try {
      // A fresh page starts where its data was read (it may be older than the feed's position now).
      const ack = await this.emit('feed:subscribe', { since: this.position ?? this.firstRead });
      if (!ack.ok) throw new Error(ack.error.message);
      // A long gap comes in parts; each part's events are applied as it arrives, so a lost
      // connection midway resumes from the last one applied.
      let part: { events: AnyFeedEvent[]; resync: boolean; next: number | null } = ack;
      while (!part.resync) {
        for (const e of part.events) this.deliver(e);
        if (typeof part.next !== 'number') break; // null: the last part (a server without parts sends none)
        const more = await this.emit('feed:catchup', { after: part.next, until: ack.position });
        if (!more.ok) throw new Error(more.error.message);
        part = more;
      }
      if (part.resync) {
        this.position = ack.position;
        this.resyncers.forEach((f) => f());
      } else {
        this.position = Math.max(this.position ?? 0, ack.position);
      }
      this.catchingUp = false;
      for (const e of this.held.splice(0)) this.deliver(e);
      this.state = 'live';
      this.liveListeners.forEach((f) => f());
      if (++this.caughtUp > 1) this.reconnectListeners.forEach((f) => f());
      void this.flush();
    } catch {
      this.catchingUp = false;
      s.disconnect().connect(); // try the whole handshake again
    }
  }

  /** Emit with the ack timeout, typed by the protocol (one place for the library's untyped-with-timeout call). */
  private emit<E extends RequestEvent>(event: E, payload: Requests[E]['input']): Promise<Ack<Requests[E]['result']>> {
    // The person's own action is activity on the server: the idle warning moves with it.
    if (!PASSIVE_SOCKET_EVENTS.includes(event)) idle.sawOwnAction();
    const timed = this.socket!.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(e: E, p: Requests[E]['input']): Promise<Ack<Requests[E]['result']>> };
    return timed.emitWithAck(event, payload);
  }

  private receive(event: string, payload: unknown): void {
    if (!isFeed(payload)) {
      for (const fn of this.pushListeners.get(event) ?? []) fn(payload);
      return;
    }
    if (this.catchingUp) this.held.push(payload);
    else this.deliver(payload);
  }

  /** Apply one event unless it was already applied (positions only grow); keep it for later listeners. */
  private deliver(e: AnyFeedEvent): void {
    if (this.position !== null && e.position <= this.position) return;
    this.position = e.position;
    this.recent.push(e);
    if (this.recent.length > RECENT_MAX) this.droppedUpTo = this.recent.shift()!.position;
    for (const fn of this.listeners.get(e.type) ?? []) this.call(fn, e);
  }

  /** One listener's failure never stops the others. */
  private call(fn: Listener, e: AnyFeedEvent): void {
    try {
      fn(e);
    } catch (err) {
      console.error(err);
    }
  }
}

const isFeed = (p: unknown): p is AnyFeedEvent =>
  typeof p === 'object' && p !== null && typeof (p as AnyFeedEvent).position === 'number' && typeof (p as AnyFeedEvent).type === 'string';

/** The one live connection of this tab. */
export const live = new Live();

/** A fresh id for an idempotent send (a chat message or comment). */
export const newClientMessageId = () => crypto.randomUUID().replace(/-/g, '');
