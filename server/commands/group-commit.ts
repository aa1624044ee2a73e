import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Bus } from '../events/bus.js';
import type { Logger } from '../logger.js';

type Trx = Kysely<Database>;

/**
 * Group commit for the busiest writes (chat messages, comments). With `synchronous=FULL` every
 * commit waits for the disk, so one commit per message caps throughput at the fsync rate. The
 * queue gathers the writes that arrive while a commit is in progress and runs them as one
 * transaction, each in its own savepoint (one bad write rolls back alone). A caller's promise
 * settles only after the transaction that holds its write has committed, and `events.appended`
 * is published after that commit: an acknowledged write is always durable, and no push ever
 * describes a write that rolled back.
 */
export interface WriteQueue {
  /** Run `work` inside the next group transaction; resolves with its result after commit. */
  run<T>(work: (trx: Trx) => Promise<T>): Promise<T>;
  /** Resolves when everything queued so far has been committed (shutdown, tests). */
  drain(): Promise<void>;
}

interface Item {
  work: (trx: Trx) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** The most writes one transaction carries (bounds the time a commit holds the connection). */
const MAX_BATCH = 500;

export function createWriteQueue(db: Trx, bus: Bus, logger: Logger): WriteQueue {
  const pending: Item[] = [];
  let running: Promise<void> | null = null;

  async function flushOnce(): Promise<void> {
    const batch = pending.splice(0, MAX_BATCH);
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        for (const item of batch) {
          await sql`savepoint w`.execute(trx);
          try {
            results.push({ ok: true, value: await item.work(trx) });
            await sql`release w`.execute(trx);
          } catch (err) {
            await sql`rollback to w`.execute(trx);
            await sql`release w`.execute(trx);
            results.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      // The commit itself failed: nothing of this batch is durable, so nobody gets a success.
      logger.error({ err, writes: batch.length }, 'group commit failed');
      for (const item of batch) item.reject(err);
      return;
    }
    batch.forEach((item, i) => (results[i]!.ok ? item.resolve(results[i]!.value) : item.reject(results[i]!.value)));
    bus.publish('events.appended', {});
  }

  function schedule(): void {
    if (running) return;
    running = (async () => {
      // Let the writes that arrive in the same turn of the event loop join this batch.
      await new Promise((r) => setImmediate(r));
      while (pending.length) await flushOnce();
    })().finally(() => {
      running = null;
      if (pending.length) schedule();
    });
  }

  return {
    run<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    async drain() {
      while (running) await running;
    },
  };
}
