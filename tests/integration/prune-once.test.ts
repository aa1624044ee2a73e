import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../db/client.js';
import { pruneEvents } from '../../server/events/log.js';
import { PENDING_ATTACHMENT_TTL_MS, prunePendingAttachments } from '../../server/commands/attachments/prune-pending.js';
import { upsertFirm } from '../../server/repositories/firm.js';
import { appOn } from '../support/app.js';
import { buildClient, buildPortalUser } from '../support/factories.js';
import { untilWaiting } from '../support/locks.js';
import type { Trx } from '../support/interleave.js';
import { buildPendingUpload } from '../support/chat.js';

/**
 * The pruners run on one instance at a time (issue 14, point 11): every instance runs them each
 * minute, and each takes its job's advisory lock without waiting; a prune that finds it held skips
 * (null) at once, with no error and no work. Made deterministic by a row lock of the test's own:
 * the first prune, past its job lock, waits for that row while the second one runs. Before the
 * lock, the second prune did the same work and waited for the same row.
 */

/** Whether `p` settles before `waiters` backends wait for a lock: its value, or 'waits'. */
async function settlesOrWaits<T>(db: Db, p: Promise<T>, waiters: number): Promise<{ value: T } | 'waits'> {
  let settled = false;
  const value = p.then((v) => {
    settled = true;
    return { value: v };
  });
  const waits = (async () => {
    for (;;) {
      if (settled) return 'waits' as const; // never seen: `value` settled first and won the race
      const { rows } = await sql<{ n: string }>`
        select count(*) as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where not l.granted and a.datname = current_database()`.execute(db);
      if (Number(rows[0]!.n) >= waiters) return 'waits' as const;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return Promise.race([value, waits]);
}

/** Run `lock` in a transaction of the test's own and keep it open until `release` is called. */
async function hold(db: Db, lock: (trx: Trx) => Promise<unknown>): Promise<{ release(): Promise<void> }> {
  let held = () => {};
  const isHeld = new Promise<void>((r) => (held = r));
  let let_go = () => {};
  const released = new Promise<void>((r) => (let_go = r));
  const trx = db.transaction().execute(async (t) => {
    await lock(t);
    held();
    await released;
  });
  await isHeld;
  return {
    async release() {
      let_go();
      await trx;
    },
  };
}

describe('pruners on several instances (PostgreSQL)', () => {
  const on = appOn('PostgreSQL');
  const db = () => on.app.db;

  it('two event-log prunes at once: one prunes, the other skips at once', async () => {
    const now = on.app.clock();
    await upsertFirm(db(), 'Acme Security', now);
    const client = await buildClient(db());
    const old = now - on.app.config.eventRetentionMs - 60_000;
    await db()
      .insertInto('client_events')
      .values([0, 1, 2].map((i) => ({ client_id: client.id, type: 'project:updated', audience: 'all' as const, entity_id: 'p-1', at: old + i })))
      .execute();
    const before = now - on.app.config.eventRetentionMs;

    // The first prune raises the floor last: it waits there, holding its job lock.
    const firm = await hold(db(), (trx) => trx.selectFrom('firm').select('id').forUpdate().execute());
    const first = pruneEvents(db(), before);
    await untilWaiting(db(), 1);
    const second = await settlesOrWaits(db(), pruneEvents(db(), before), 2);
    await firm.release();

    expect(second).toEqual({ value: null });
    expect(await first).toBe(3);
    expect(await db().selectFrom('client_events').select('position').execute()).toEqual([]);
    expect((await db().selectFrom('firm').select('event_floor').executeTakeFirstOrThrow()).event_floor).toBe(3);
  }, 30_000);

  it('two prunes of stale uploads at once: one deletes, the other skips at once', async () => {
    const client = await buildClient(db());
    const uploader = await buildPortalUser(db(), { client_id: client.id, role: 'collaborator' });
    const now = on.app.clock();
    const upload = randomUUID();
    await buildPendingUpload(db(), { id: upload, clientId: client.id, uploaderId: uploader.id, purpose: 'chat', at: now - PENDING_ATTACHMENT_TTL_MS - 1 });

    // The first prune deletes the row last: it waits for it, holding its job lock.
    const row = await hold(db(), (trx) => trx.selectFrom('attachments').select('id').where('id', '=', upload).forUpdate().execute());
    const first = prunePendingAttachments(on.app.deps, now);
    await untilWaiting(db(), 1);
    const second = await settlesOrWaits(db(), prunePendingAttachments(on.app.deps, now), 2);
    await row.release();

    expect(second).toEqual({ value: null });
    expect(await first).toBe(1);
    expect(await db().selectFrom('attachments').select('id').where('id', '=', upload).execute()).toEqual([]);
  }, 30_000);

  it('with nobody else pruning, a prune runs (the job lock ends with its transaction)', async () => {
    expect(await pruneEvents(db(), on.app.clock())).toBe(0);
    expect(await prunePendingAttachments(on.app.deps, on.app.clock())).toBe(0);
  });
});
