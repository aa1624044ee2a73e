import { navigating } from '$app/state';
import type { FeedEventType } from '$contracts/realtime';
import type { AnyFeedEvent, FeedEvent } from '$contracts/socket';
import type { Loaded } from '$lib/api/portal';
import { live } from './live.svelte';

/**
 * Live updates for open pages. A page names the feed events that concern it; when one arrives
 * (or the server asks for a resync) the page reloads its data, coalesced so a burst of events —
 * a catch-up after a reconnect — costs one reload. Return the result from an `$effect`:
 *
 *   $effect(() => reloadOn(['finding:updated'], (e) => e.data.id === id, reload));
 */
export function reloadOn<K extends FeedEventType>(types: K[], concerns: (e: FeedEvent<K>) => boolean, reload: () => unknown, delayMs = 120): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = null;
      // Leaving already (e.g. "create, then open it"): the next page loads fresh, and reloading
      // this one now would cancel that navigation.
      if (navigating.to) return;
      void reload();
    }, delayMs);
  };
  const offs = types.map((t) => live.on(t, (e) => concerns(e) && schedule()));
  offs.push(live.onResync(schedule));
  return () => {
    offs.forEach((off) => off());
    if (timer) clearTimeout(timer);
  };
}

/** The `id` / `projectId` a feed event's payload carries (finding, report and project summaries). */
export const idOf = (e: AnyFeedEvent) => ('id' in e.data && typeof e.data.id === 'string' ? e.data.id : null);
export const projectOf = (e: AnyFeedEvent) => ('projectId' in e.data && typeof e.data.projectId === 'string' ? e.data.projectId : null);

/** How long a page waits to read again after a live refresh could not reach the server, if the connection stays up. */
const RETRY_MS = 10_000;

/**
 * The settled value of a promise a page's load handed over, which live events can refresh in
 * place: the old value stays on screen while the new one loads (no loading flash, no remount of
 * what the person is typing in). A newer load or refresh wins over an older one's late answer.
 * A refresh that cannot reach the server (the network went) keeps what is shown and reads again
 * once the connection is back (or after a while): the person keeps their page, and the change
 * that asked for the refresh still arrives. Create it during component initialisation.
 */
export class Refreshable<V> {
  current = $state<Loaded<V> | null>(null);
  private gen = 0;
  private cancelRetry = () => {};

  constructor(source: () => Promise<Loaded<V>>) {
    $effect(() => {
      const promise = source();
      const gen = this.next();
      this.current = null;
      void promise.then((v) => {
        if (gen === this.gen) this.current = v;
      });
    });
    $effect(() => () => this.next()); // leaving the page: no late answer or retry applies
  }

  /** Read again and replace the value when the answer comes. */
  async refresh(read: () => Promise<Loaded<V>>): Promise<void> {
    const gen = this.next();
    const v = await read();
    if (gen !== this.gen) return;
    if (!v.ok && v.problem.kind === 'unreachable' && this.current?.ok) this.retryLater(read);
    else this.current = v;
  }

  /** A new generation: earlier answers and retries no longer apply. */
  private next(): number {
    this.cancelRetry();
    return ++this.gen;
  }

  private retryLater(read: () => Promise<Loaded<V>>): void {
    const again = () => void this.refresh(read);
    const off = live.onceLiveAgain(again);
    const timer = setTimeout(again, RETRY_MS);
    this.cancelRetry = () => {
      off();
      clearTimeout(timer);
      this.cancelRetry = () => {};
    };
  }
}
