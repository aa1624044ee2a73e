import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { createBus } from '../../server/events/bus.js';
import { createLogger } from '../../server/logger.js';
import { createWriteQueue, type BatchWriter } from '../../server/services/group-commit.js';
import { tempDir } from '../support/app.js';
import { Writable } from 'node:stream';

let db: Db;
let sqlite: ReturnType<typeof openDatabase>['sqlite'];
let dir: string;
const logger = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

beforeAll(async () => {
  dir = tempDir();
  ({ db, sqlite } = openDatabase(path.join(dir, 'db.sqlite')));
  await migrateToLatest(db);
  await db
    .insertInto('clients')
    .values({
      id: 'c1',
      name: 'C',
      portal_enabled: 1,
      archived_at: null,
      session_idle_minutes: null,
      session_absolute_hours: null,
      created_at: 0,
      updated_at: 0,
    })
    .execute();
});
afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (n: number) => (trx: Db) =>
  trx
    .insertInto('client_events')
    .values({ client_id: 'c1', type: 'message:created', audience: 'all', entity_id: String(n), at: n })
    .returning('position')
    .executeTakeFirstOrThrow();

describe('group commit', () => {
  it('runs the writes that arrive together in one transaction and resolves each only after it committed', async () => {
    const bus = createBus(logger);
    let appended = 0;
    bus.on('events.appended', () => void appended++);
    const q = createWriteQueue(db, bus, logger);
    const before = sqlite.prepare('select count(*) as n from client_events').get() as { n: number };
    const seenCommitted: boolean[] = [];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        q.run(insert(i)).then((r) => {
          // When a caller hears "done", a separate connection already sees the row: it is durable.
          const other = openDatabase(path.join(dir, 'db.sqlite')).sqlite;
          seenCommitted.push(!!other.prepare('select 1 from client_events where position = ?').get(r.position));
          other.close();
          return r;
        }),
      ),
    );
    expect(results).toHaveLength(50);
    expect(seenCommitted.every(Boolean)).toBe(true);
    expect((sqlite.prepare('select count(*) as n from client_events').get() as { n: number }).n - before.n).toBe(50);
    // 50 writes issued in one turn of the event loop: far fewer commits than writes.
    await new Promise((r) => setTimeout(r, 10));
    expect(appended).toBeGreaterThan(0);
    expect(appended).toBeLessThan(5);
  });

  it('carries at most maxBatch writes per transaction (WRITE_BATCH_MAX; 1: a transaction per write)', async () => {
    const commitsFor = async (maxBatch: number) => {
      const bus = createBus(logger);
      let appended = 0;
      bus.on('events.appended', () => void appended++);
      const q = createWriteQueue(db, bus, logger, maxBatch);
      await Promise.all(Array.from({ length: 12 }, (_, i) => q.run(insert(9000 + i))));
      return appended;
    };
    expect(await commitsFor(1)).toBe(12);
    expect(await commitsFor(5)).toBe(3);
    expect(await commitsFor(500)).toBe(1);
  });

  it('a failing write rolls back alone; the others in its batch commit', async () => {
    const q = createWriteQueue(db, createBus(logger), logger);
    const outcomes = await Promise.allSettled([
      q.run(insert(1001)),
      q.run(async (trx) => {
        await insert(1002)(trx);
        throw new Error('refused');
      }),
      q.run(insert(1003)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const ids = (
      sqlite.prepare("select entity_id from client_events where entity_id in ('1001','1002','1003') order by entity_id").all() as { entity_id: string }[]
    ).map((r) => r.entity_id);
    expect(ids).toEqual(['1001', '1003']);
  });

  it('writes the inputs of one writer that arrive together with one call; a bad input fails alone', async () => {
    const calls: number[][] = [];
    // Inserts every input with one statement; input 0 is refused (it throws, like a bad attachment).
    const writer: BatchWriter<number, string> = {
      async many(trx, inputs) {
        calls.push(inputs);
        await trx
          .insertInto('client_events')
          .values(inputs.map((n) => ({ client_id: 'c1', type: 'message:created', audience: 'all', entity_id: `w${n}`, at: n })))
          .execute();
        if (inputs.includes(0)) throw new Error('input 0 is refused');
        return inputs.map((n) => ({ ok: true as const, value: `done ${n}` }));
      },
    };
    const q = createWriteQueue(db, createBus(logger), logger);
    const all = await Promise.all([1, 2, 3].map((n) => q.runWith(writer, n)));
    expect(all).toEqual(['done 1', 'done 2', 'done 3']);
    expect(calls).toEqual([[1, 2, 3]]);

    calls.length = 0;
    const outcomes = await Promise.allSettled([4, 0, 5].map((n) => q.runWith(writer, n)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/input 0 is refused/);
    // Together first (rolled back), then each alone.
    expect(calls).toEqual([[4, 0, 5], [4], [0], [5]]);
    const ids = (
      sqlite.prepare("select entity_id from client_events where entity_id in ('w0','w4','w5') order by entity_id").all() as { entity_id: string }[]
    ).map((r) => r.entity_id);
    expect(ids).toEqual(['w4', 'w5']);
  });

  it('keeps plain writes and batched writes of a batch in their order', async () => {
    const order: string[] = [];
    const writer: BatchWriter<string, string> = {
      async many(_trx, inputs) {
        order.push(inputs.join('+'));
        return inputs.map((v) => ({ ok: true as const, value: v }));
      },
    };
    const q = createWriteQueue(db, createBus(logger), logger);
    const plain = (v: string) => q.run(async () => (order.push(v), v));
    expect(await Promise.all([q.runWith(writer, 'a'), q.runWith(writer, 'b'), plain('c'), q.runWith(writer, 'd')])).toEqual(['a', 'b', 'c', 'd']);
    expect(order).toEqual(['a+b', 'c', 'd']);
  });

  it('when the commit itself fails nobody is told "done"', async () => {
    const q = createWriteQueue(db, createBus(logger), logger);
    // A constraint deferred to commit time makes the COMMIT fail after every write succeeded.
    // (The pragma holds until the next COMMIT: the batch's.)
    sqlite.pragma('defer_foreign_keys = on');
    const bad = q.run((trx) =>
      trx
        .insertInto('comments')
        .values({ id: 'x', finding_id: 'no-such-finding', client_id: 'c1', author_id: 'nobody', body: 'b', client_message_id: 'cccccccc', created_at: 0 })
        .execute(),
    );
    const good = q.run(insert(2001));
    const outcomes = await Promise.allSettled([bad, good]);
    sqlite.pragma('defer_foreign_keys = off');
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(sqlite.prepare("select 1 from client_events where entity_id = '2001'").get()).toBeUndefined();
  });
});

/** What PostgreSQL says when it aborts a transaction to break a deadlock (nothing of it kept). */
const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });

describe('group commit after a deadlock', () => {
  const count = (entity: string) => (sqlite.prepare('select count(*) as n from client_events where entity_id = ?').get(entity) as { n: number }).n;

  it('runs the whole batch again when its transaction was aborted as a deadlock, and each write commits once', async () => {
    let aborts = 1;
    // The first transaction is rolled back after its writes ran, as PostgreSQL rolls back the
    // victim of a deadlock: the batch is written again and then commits.
    const flaky = new Proxy(db, {
      get(target, prop) {
        if (prop !== 'transaction') return Reflect.get(target, prop, target);
        return () => ({
          execute: <T>(work: (trx: Db) => Promise<T>) =>
            target.transaction().execute(async (trx) => {
              const out = await work(trx);
              if (aborts-- > 0) throw deadlock();
              return out;
            }),
        });
      },
    });
    const q = createWriteQueue(flaky, createBus(logger), logger);
    const results = await Promise.allSettled([q.run(insert(3001)), q.run(insert(3002))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect([count('3001'), count('3002')]).toEqual([1, 1]);
  });

  it('runs a write again whose own savepoint was aborted as a deadlock; at most 3 times', async () => {
    const q = createWriteQueue(db, createBus(logger), logger);
    let tries = 0;
    const once = q.run(async (trx) => {
      const row = await insert(3003)(trx);
      if (++tries === 1) throw deadlock();
      return row;
    });
    let always = 0;
    const never = q.run(async (trx) => {
      await insert(3004)(trx);
      always++;
      throw deadlock();
    });
    const [a, b] = await Promise.allSettled([once, never]);
    expect(a.status).toBe('fulfilled');
    expect([tries, count('3003')]).toEqual([2, 1]);
    expect(b.status).toBe('rejected');
    expect([always, count('3004')]).toEqual([3, 0]);
  });
});
