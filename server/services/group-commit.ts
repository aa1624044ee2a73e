import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Bus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { isRetryable, lockEventLog } from '../../db/dialect.js';

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
  /**
   * Queue `input` for `writer`: the inputs of one writer that sit next to each other in a batch
   * are written by one `writer.many` call (a few multi-row statements instead of a few per
   * write); resolves with this input's result after commit.
   */
  runWith<I, R>(writer: BatchWriter<I, R>, input: I): Promise<R>;
  /** Resolves when everything queued so far has been committed (shutdown, tests). */
  drain(): Promise<void>;
}

/**
 * A place in the order one socket sent its events (server/realtime/ack.ts): `ready` when every
 * earlier event of that socket has queued its write or finished; `done()` hands the turn on.
 */
export interface Turn {
  ready: Promise<void>;
  done(): void;
}

/**
 * Queue a write in its turn: after the earlier events of the same socket queued theirs, so one
 * person's quick messages commit in the order sent even when their checks (reads on a pool of
 * connections, on PostgreSQL) finish out of order. Resolves after the commit, as `enqueue` does.
 */
export async function inTurn<T>(turn: Turn | undefined, enqueue: () => Promise<T>): Promise<T> {
  if (!turn) return enqueue();
  await turn.ready;
  const committed = enqueue(); // queued synchronously: the next event may queue its own now
  turn.done();
  return committed;
}

/** A result per input, in input order: a value, or the error that input alone fails with. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Writes many inputs of one kind at once. `many` runs inside a savepoint: if it throws, it is
 * rolled back and each input is written again alone (in its own savepoint), so a bad input
 * fails alone and never takes its batch with it.
 */
export interface BatchWriter<I, R> {
  many(trx: Trx, inputs: I[]): Promise<Outcome<R>[]>;
}

interface Item {
  writer: BatchWriter<unknown, unknown>;
  input: unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  /** How many transactions this write has been in (see ATTEMPTS). */
  attempts: number;
}

/** A plain `run(work)` is an input of this writer: each work function, one after another. */
const ONE_BY_ONE: BatchWriter<(trx: Trx) => Promise<unknown>, unknown> = {
  async many(trx, works) {
    const out: Outcome<unknown>[] = [];
    for (const work of works) out.push(await inSavepoint(trx, async () => ({ ok: true as const, value: await work(trx) })));
    return out;
  },
};

/** Run `f` in a savepoint: its changes are kept if it succeeds and rolled back if it throws. */
async function inSavepoint<R>(trx: Trx, f: () => Promise<Outcome<R>>): Promise<Outcome<R>> {
  await sql`savepoint w`.execute(trx);
  try {
    const r = await f();
    await sql`release w`.execute(trx);
    return r;
  } catch (error) {
    try {
      await sql`rollback to w`.execute(trx);
      await sql`release w`.execute(trx);
    } catch {
      // The savepoint is gone with its whole transaction: SQLite rolls a transaction back itself
      // on some errors (SQLITE_FULL, SQLITE_IOERR). The whole batch fails, and with the first
      // error (its cause and code), not this one ("no such savepoint").
      throw error;
    }
    return { ok: false, error };
  }
}

/** The most writes one transaction carries by default (bounds the time a commit holds the connection). */
const MAX_BATCH = 500;

/**
 * How many transactions a write may be tried in when PostgreSQL aborts it as a deadlock or a
 * serialization failure (`isRetryable`): the whole batch's transaction, or the write's own
 * savepoint. Nothing of an aborted transaction or savepoint is kept, and queued work only writes
 * to the database (the chat and comment writers are idempotent), so running it again is safe —
 * and a deadlock with one ordinary transaction no longer fails other people's writes.
 */
const ATTEMPTS = 3;

/** Told after each committed batch: how long its transaction took (seconds) and how many writes it carried (metrics). */
export type CommitObserver = (seconds: number, writes: number) => void;

export function createWriteQueue(db: Trx, bus: Bus, logger: Logger, maxBatch = MAX_BATCH, observe: CommitObserver = () => {}): WriteQueue {
  const pending: Item[] = [];
  let running: Promise<void> | null = null;

  /** Write a run of inputs of one writer: together, or (if together fails) each alone. */
  async function writeRun(trx: Trx, run: Item[]): Promise<Outcome<unknown>[]> {
    const { writer } = run[0]!;
    const inputs = run.map((i) => i.input);
    if (writer === ONE_BY_ONE) return writer.many(trx, inputs); // a savepoint per work already
    const together = await inSavepoint(trx, async () => ({ ok: true, value: await writer.many(trx, inputs) }));
    if (together.ok) return together.value;
    if (run.length === 1) return [together];
    const alone: Outcome<unknown>[] = [];
    for (const input of inputs) {
      const r = await inSavepoint(trx, async () => ({ ok: true, value: await writer.many(trx, [input]) }));
      alone.push(r.ok ? r.value[0]! : r);
    }
    return alone;
  }

  /** One transaction for `batch`: each write's outcome, in order (throws when the transaction failed). */
  function writeBatch(batch: Item[]): Promise<Outcome<unknown>[]> {
    return db.transaction().execute(async (trx) => {
      const results: Outcome<unknown>[] = [];
      // Before any write: chat ids and log positions of this batch are then in commit order (db/dialect.ts).
      await lockEventLog(trx);
      for (let i = 0; i < batch.length;) {
        let j = i + 1;
        while (j < batch.length && batch[j]!.writer === batch[i]!.writer) j++;
        results.push(...(await writeRun(trx, batch.slice(i, j))));
        i = j;
      }
      return results;
    });
  }

  /** A write aborted as a deadlock (or serialization failure) that may be tried in one more transaction. */
  const mayRetry = (item: Item, err: unknown) => isRetryable(err) && item.attempts < ATTEMPTS;

  async function flushOnce(): Promise<void> {
    let batch = pending.splice(0, maxBatch);
    let results: Outcome<unknown>[];
    for (;;) {
      for (const item of batch) item.attempts++;
      try {
        const started = performance.now();
        results = await writeBatch(batch);
        observe((performance.now() - started) / 1000, batch.length);
        break;
      } catch (err) {
        // The commit itself failed: nothing of this batch is durable, so nobody gets a success.
        // Aborted as a deadlock, the batch runs again (bar writes that had their tries).
        const spent = batch.filter((item) => !mayRetry(item, err));
        logger[spent.length === batch.length ? 'error' : 'warn']({ err, writes: batch.length, failed: spent.length }, 'group commit failed');
        for (const item of spent) item.reject(err);
        batch = batch.filter((item) => !spent.includes(item));
        if (!batch.length) return;
      }
    }
    // Writes whose own savepoint was aborted as a deadlock go first in the next batch.
    const again = batch.filter((item, i) => !results[i]!.ok && mayRetry(item, (results[i] as { error: unknown }).error));
    pending.unshift(...again);
    // The push goes before the writers' answers: the people waiting on a live page are told
    // first. On SQLite the feed reads, presents and emits without waiting for any I/O, so it is
    // done within this turn; the answers (each a response to build and read back) follow in the
    // next, instead of interleaving their reads with the feed's.
    bus.publish('events.appended', {});
    await new Promise((r) => setImmediate(r));
    batch.forEach((item, i) => {
      const r = results[i]!;
      if (again.includes(item)) return;
      if (r.ok) item.resolve(r.value);
      else item.reject(r.error);
    });
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

  function enqueue(writer: BatchWriter<unknown, unknown>, input: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      pending.push({ writer, input, resolve, reject, attempts: 0 });
      schedule();
    });
  }

  return {
    run: <T>(work: (trx: Trx) => Promise<T>) => enqueue(ONE_BY_ONE as BatchWriter<unknown, unknown>, work) as Promise<T>,
    runWith: <I, R>(writer: BatchWriter<I, R>, input: I) => enqueue(writer as BatchWriter<unknown, unknown>, input) as Promise<R>,
    async drain() {
      while (running) await running;
    },
  };
}
