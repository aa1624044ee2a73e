import type { Kysely } from 'kysely';
import type { ClientEventRow, Database } from '../../db/schema.js';
import type { FeedEventType } from '../contracts/realtime.js';
import { isPublished } from '../policies/access.js';
import { greatest, lockEventLog, tryJobLock } from '../../db/dialect.js';

type Db = Kysely<Database>;

/** What a command appends, in its own transaction, for every client-visible change. */
export interface NewClientEvent {
  clientId: string;
  type: FeedEventType;
  /** 'staff' for what only the firm sees (internal notes, drafts); 'all' otherwise. */
  audience: 'all' | 'staff';
  entityId: string;
  /** Facts the presenter needs that the entity row may no longer hold (a delete, a withdrawal). */
  data?: Record<string, unknown>;
}

/**
 * Append events to the ordered client event log, in the order given. Call it inside the
 * transaction that makes the change (so the log and the data never disagree), and publish
 * `events.appended` after commit.
 */
export async function appendEvents(trx: Db, events: (NewClientEvent & { at: number })[]): Promise<void> {
  if (!events.length) return;
  await lockEventLog(trx);
  await trx
    .insertInto('client_events')
    .values(
      events.map((e) => ({ client_id: e.clientId, type: e.type, audience: e.audience, entity_id: e.entityId, data: JSON.stringify(e.data ?? {}), at: e.at })),
    )
    .execute();
}

/** Append one event made at `now` (see `appendEvents`). */
export const appendEvent = (trx: Db, e: NewClientEvent, now: number): Promise<void> => appendEvents(trx, [{ ...e, at: now }]);

/**
 * Whose events a feed reads: every client's (staff who see every client), some clients' with
 * staff-only events (a scoped analyst's), or one client's shared events (its portal users).
 */
export type FeedScope = 'staff' | { staffOf: readonly string[] } | { clientId: string };

/** The log rows after `since` up to `upTo` of the feed scope, oldest first (null: the scope reaches no client). */
function scoped(db: Db, since: number, upTo: number, scope: FeedScope) {
  const q = db.selectFrom('client_events').where('position', '>', since).where('position', '<=', upTo);
  if (scope === 'staff') return q;
  if ('clientId' in scope) return q.where('client_id', '=', scope.clientId).where('audience', '=', 'all');
  return scope.staffOf.length ? q.where('client_id', 'in', scope.staffOf) : null;
}

/** Events after `since`, oldest first, of the feed scope. */
export async function eventsSince(db: Db, since: number, upTo: number, scope: FeedScope, limit: number): Promise<ClientEventRow[]> {
  return (await scoped(db, since, upTo, scope)?.selectAll().orderBy('position').limit(limit).execute()) ?? [];
}

/** Whether the scope has more than `n` events after `since` up to `upTo` (reads positions only, through the index). */
export async function moreEventsThan(db: Db, since: number, upTo: number, scope: FeedScope, n: number): Promise<boolean> {
  const row = await scoped(db, since, upTo, scope)?.select('position').orderBy('position').limit(1).offset(n).executeTakeFirst();
  return row !== undefined;
}

/** The newest committed position (0 for an empty log). */
export async function latestPosition(db: Db): Promise<number> {
  const row = await db
    .selectFrom('client_events')
    .select((eb) => eb.fn.max('position').as('p'))
    .executeTakeFirst();
  const floor = await eventFloor(db);
  return Math.max(Number(row?.p ?? 0), floor);
}

/** The highest position already pruned: a cursor below it can no longer be caught up. */
export async function eventFloor(db: Db): Promise<number> {
  const row = await db.selectFrom('firm').select('event_floor').executeTakeFirst();
  return row?.event_floor ?? 0;
}

/**
 * Drop events older than `before` (ms) and raise the floor to the highest dropped position.
 * One instance at a time: null when another is pruning now (it does the same work; skip).
 */
export async function pruneEvents(db: Db, before: number): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    if (!(await tryJobLock(trx, 'prune-events'))) return null;
    const top = await trx
      .selectFrom('client_events')
      .select((eb) => eb.fn.max('position').as('p'))
      .where('at', '<', before)
      .executeTakeFirst();
    const upTo = Number(top?.p ?? 0);
    if (!upTo) return 0;
    const res = await trx.deleteFrom('client_events').where('position', '<=', upTo).executeTakeFirst();
    await trx
      .updateTable('firm')
      .set((eb) => ({ event_floor: greatest(trx, eb.ref('event_floor'), eb.val(upTo)) }))
      .execute();
    return Number(res.numDeletedRows);
  });
}

/**
 * Log a change to a finding (or to something shown on its page): every audience once the finding
 * is published, staff only while it is a draft. Call inside the change's transaction.
 */
export async function appendFindingEvent(trx: Db, findingId: string, type: FeedEventType, now: number): Promise<void> {
  const f = await trx.selectFrom('findings').select(['client_id', 'published']).where('id', '=', findingId).executeTakeFirst();
  if (!f) return;
  await appendEvent(trx, { clientId: f.client_id, type, audience: isPublished(f) ? 'all' : 'staff', entityId: findingId }, now);
}
