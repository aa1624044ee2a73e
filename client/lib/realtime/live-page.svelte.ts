import { navigating } from '$app/state';
import type { FeedEventType } from '$contracts/realtime';
import type { AnyFeedEvent, FeedEvent } from '$contracts/socket';
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

/**
 * The settled value of a promise a page's load handed over, which live events can refresh in
 * place: the old value stays on screen while the new one loads (no loading flash, no remount of
 * what the person is typing in). A newer load or refresh wins over an older one's late answer.
 * Create it during component initialisation.
 */
export class Refreshable<T> {
  current = $state<T | null>(null);
  private gen = 0;

  constructor(source: () => Promise<T>) {
    $effect(() => {
      const promise = source();
      const gen = ++this.gen;
      this.current = null;
      void promise.then((v) => {
        if (gen === this.gen) this.current = v;
      });
    });
  }

  /** Read again and replace the value when the answer comes. */
  async refresh(read: () => Promise<T>): Promise<void> {
    const gen = ++this.gen;
    const v = await read();
    if (gen === this.gen) this.current = v;
  }
}
