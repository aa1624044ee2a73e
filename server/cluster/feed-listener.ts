import pg from 'pg';
import { FEED_CHANNEL } from '../../db/dialect.js';
import type { Logger } from '../logger.js';

/**
 * Several instances: every commit that appends to the event log sends a notification on
 * FEED_CHANNEL (`lockEventLog`), and each instance listens on its own connection (outside the
 * pool) and wakes its feed. The connection reconnects by itself (backing off to 2 s); after each
 * (re)connection the feed is woken once, since notifications sent while it was away are lost —
 * the feed then reads everything past its position, so nothing is missed. A poll
 * (`POLL_MS`) is the safety net beside it.
 */
export const FEED_POLL_MS = 1000;

export interface FeedListener {
  stop(): Promise<void>;
}

export function listenForAppends(url: string, logger: Logger, wake: () => void): FeedListener {
  let client: pg.Client | null = null;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;

  const retry = () => {
    if (stopped || timer) return;
    const delay = Math.min(100 * 2 ** failures++, 2000);
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
    timer.unref();
  };

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: url });
    client = c;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (!stopped) logger.warn({ err: err?.message }, 'feed listener lost its database connection; reconnecting');
      c.removeAllListeners('notification');
      c.end().catch(() => {});
      retry();
    };
    c.on('error', onLost);
    c.on('end', () => onLost());
    c.on('notification', (n) => {
      if (n.channel === FEED_CHANNEL) wake();
    });
    try {
      await c.connect();
      await c.query(`listen ${FEED_CHANNEL}`);
      if (failures > 0) logger.info('feed listener reconnected');
      failures = 0;
      wake();
    } catch (err) {
      onLost(err instanceof Error ? err : new Error(String(err)));
    }
  }

  void connect();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
