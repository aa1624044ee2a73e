import type { ClientEventRow } from '../../db/schema.js';
import type { AppDeps } from '../context.js';
import { FeedCatchupInput, FeedSubscribeInput } from '../contracts/realtime.js';
import type { AnyFeedEvent, FeedCatchupResult, FeedSubscribeResult } from '../contracts/socket.js';
import { eventFloor, eventsSince, latestPosition, moreEventsThan, type FeedScope } from '../events/log.js';
import { conflict, validationFailed } from '../errors.js';
import { handler } from './ack.js';
import type { AppServer, AppSocket, SocketViewer } from './socket-types.js';
import { loadEventData, portalAudience, presenterOf, presentLoaded, STAFF_AUDIENCE } from './feed-presenters.js';
import { rooms } from './rooms.js';
import { holdRooms } from './coalesce.js';
import { jsonBytes } from './json-bytes.js';

/** A catch-up covers at most this many events; a longer gap gets "resync" (reload the page's data). */
export const CATCHUP_MAX = 5000;
/**
 * One catch-up answer reads at most this many log rows and stops adding events past this many
 * bytes of JSON; the rest follows in further parts (`feed:catchup`), so no answer is large (under
 * 256 KB). Each part is a round trip with its own session check and reads: a 1,000-event catch-up
 * is three parts at these sizes (it was five at 250 rows and 128 KB).
 */
export const CATCHUP_PART_ROWS = 500;
export const CATCHUP_PART_BYTES = 224 * 1024;
/** How long one presented catch-up answer is shared by the sockets of one audience asking the same. */
const CATCHUP_SHARE_MS = 1000;
const BATCH = 500;

/**
 * The live feed. A single pump reads committed log rows in position order, presents each once
 * per audience (staff; each client's portal under its current settings) and emits them to the
 * client's staff and portal rooms. `lastEmitted` moves in the same synchronous step as the emit,
 * and a subscriber joins its rooms and reads `lastEmitted` in one synchronous step too: every
 * event at or below that mark reaches it through catch-up, every event above it live — each
 * exactly once. The browser holds live events until its catch-up ack arrives, so it applies
 * them in order.
 */
/** Push one feed event under its own name (its type), to the rooms of `to`. */
function emitFeed(to: ReturnType<AppServer['to']>, e: AnyFeedEvent): void {
  // The event name is the payload's own `type`; the union can't be narrowed per member here.
  (to.emit as (event: AnyFeedEvent['type'], payload: AnyFeedEvent) => boolean)(e.type, e);
}

/**
 * With several instances (each with its own pump, every one reading the whole log), emits go to
 * this instance's sockets only (`io.local`): through the adapter each event would arrive once per
 * instance. `beforeEmit` runs after a batch was read and before any of it is emitted (several
 * instances: sockets whose session ended elsewhere are closed first).
 */
export function createFeed(io: AppServer, deps: AppDeps, beforeEmit?: () => Promise<unknown>) {
  let lastEmitted = 0;
  let ready: Promise<void> | null = null;
  let pumping: Promise<void> | null = null;
  let again = false;
  const staffJoined = new Set<string>();

  let known = false;
  const init = () =>
    (ready ??= latestPosition(deps.db).then((p) => {
      lastEmitted = Math.max(lastEmitted, p);
      known = true;
    }));
  init().catch((err) => deps.logger.error({ err }, 'feed position unreadable'));

  async function emitBatch(rows: ClientEventRow[]): Promise<void> {
    const clientIds = [...new Set(rows.map((r) => r.client_id))];
    const clients = await deps.db
      .selectFrom('clients')
      .select(['id', 'visible_fields', 'modules', 'portal_enabled', 'archived_at'])
      .where('id', 'in', clientIds)
      .execute();
    // Read what the events refer to once; present it for staff and for each client's portal.
    const data = await loadEventData(deps.db, rows);
    await beforeEmit?.();
    const staff = presentLoaded(data, rows, STAFF_AUDIENCE);
    const portal = new Map<string, (AnyFeedEvent | null)[]>();
    for (const c of clients) {
      const own = rows.map((r) => (r.client_id === c.id ? r : null));
      const presented = presentLoaded(
        data,
        own.filter((r): r is ClientEventRow => r !== null),
        portalAudience(c),
      );
      let i = 0;
      portal.set(
        c.id,
        own.map((r) => (r ? presented[i++]! : null)),
      );
    }
    // From here to the end: synchronous, so no subscriber can join between an emit and its mark.
    // A client with several events in this batch: its sockets get them in one write each. A
    // single event goes out at once (no wait for the rest of this turn).
    const perClient = new Map<string, number>();
    for (const r of rows) perClient.set(r.client_id, (perClient.get(r.client_id) ?? 0) + 1);
    holdRooms(
      io,
      [...perClient].filter(([, n]) => n > 1).flatMap(([id]) => [rooms.clientStaff(id), rooms.clientPortal(id)]),
    );
    rows.forEach((r, i) => {
      if (r.position <= lastEmitted) return;
      if (!staffJoined.has(r.client_id)) {
        io.local.in(rooms.staff()).socketsJoin(rooms.clientStaff(r.client_id));
        staffJoined.add(r.client_id);
      }
      const s = staff[i];
      if (s) {
        emitFeed(io.local.to(rooms.clientStaff(r.client_id)), s);
        deps.metrics.eventsPushed.inc({ audience: 'staff' });
      }
      const p = portal.get(r.client_id)?.[i];
      if (p) {
        emitFeed(io.local.to(rooms.clientPortal(r.client_id)), p);
        deps.metrics.eventsPushed.inc({ audience: 'portal' });
      }
      lastEmitted = r.position;
    });
  }

  async function pumpLoop(): Promise<void> {
    await init();
    do {
      again = false;
      await drainLog(
        (after) => eventsSince(deps.db, after, Number.MAX_SAFE_INTEGER, 'staff', BATCH),
        emitBatch,
        () => lastEmitted,
      );
    } while (again);
  }

  /** Push whatever has been committed since the last push (called after every commit that logs events). */
  function pump(): void {
    if (pumping) {
      again = true;
      return;
    }
    pumping = pumpLoop()
      .catch((err) => deps.logger.error({ err }, 'feed push failed'))
      .finally(() => {
        pumping = null;
        if (again) pump();
      });
  }

  /** Whose events a viewer's feed carries: every client's, their scope's, or their client's shared ones. */
  function feedScope(user: SocketViewer['user']): FeedScope {
    if (user.kind !== 'staff') return { clientId: user.client_id! };
    return user.scope === 'all' ? 'staff' : { staffOf: user.scope };
  }

  /** The feed rooms of a viewer: every client's staff room (and the staff room), their scope's, or their client's portal room. */
  async function feedRooms(user: SocketViewer['user']): Promise<{ scope: FeedScope; rooms: string[] }> {
    const scope = feedScope(user);
    if (scope !== 'staff') return { scope, rooms: 'clientId' in scope ? [rooms.clientPortal(scope.clientId)] : scope.staffOf.map(rooms.clientStaff) };
    const clients = await deps.db.selectFrom('clients').select('id').execute();
    return { scope, rooms: [rooms.staff(), ...clients.map((c) => rooms.clientStaff(c.id))] };
  }

  const handlers = [
    /** `feed:subscribe`: join the rooms this viewer may receive, then answer with what it missed. */
    handler(deps, 'feed:subscribe', FeedSubscribeInput, async ({ since }, _ctx, socket): Promise<FeedSubscribeResult> => {
      await init();
      // A position read on another instance may be ahead of this one's pump for a moment: push
      // what is committed first (it is there: that instance pushed it), then judge the cursor.
      if (since !== null && since > lastEmitted) {
        pump();
        await pumping;
      }
      const { scope, rooms: wanted } = await feedRooms(socket.data.viewer.user);
      // Synchronous from here until `mark` is read (see the comment on createFeed).
      socket.join(wanted);
      socket.data.feed = true;
      const mark = lastEmitted;
      const resync = { position: mark, events: [], resync: true, next: null };
      if (since === null) return { ...resync, resync: false };
      if (since > mark || since < (await eventFloor(deps.db))) return resync;
      if (await moreEventsThan(deps.db, since, mark, scope, CATCHUP_MAX)) return resync;
      const part = await catchUp(scope, since, mark);
      return part ? { position: mark, events: part.events, resync: false, next: part.next } : resync;
    }),

    /**
     * `feed:catchup`: the next part of this socket's catch-up. Only up to what the feed has pushed
     * (`until` ≤ the mark): later events reach the socket live, so reading them here would repeat them.
     */
    handler(deps, 'feed:catchup', FeedCatchupInput, async ({ after, until }, _ctx, socket): Promise<FeedCatchupResult> => {
      if (!socket.data.feed) throw conflict('Subscribe to the feed first (feed:subscribe).');
      if (until > lastEmitted)
        throw validationFailed('until: This is past the feed position. Reload the page to catch up.', [
          { path: 'until', message: 'This is past the feed position. Reload the page to catch up.' },
        ]);
      const resync = { events: [], resync: true, next: null };
      if (after < (await eventFloor(deps.db))) return resync;
      const part = await catchUp(feedScope(socket.data.viewer.user), after, until);
      return part ? { events: part.events, resync: false, next: part.next } : resync;
    }),
  ];

  /**
   * After a staff member's scope changed (the socket's viewer already re-validated): leave the
   * staff rooms of clients no longer reached at once, join those newly reached (from now on).
   */
  async function rescope(socket: AppSocket): Promise<void> {
    const { user } = socket.data.viewer;
    if (!socket.data.feed || user.kind !== 'staff') return;
    const wanted = new Set((await feedRooms(user)).rooms);
    for (const room of socket.rooms) if ((room === rooms.staff() || rooms.isClientStaff(room)) && !wanted.has(room)) socket.leave(room);
    socket.join([...wanted]);
  }

  /**
   * One part of a catch-up: the events after `since` up to `mark`, presented for the scope's
   * audience as it is now — at most CATCHUP_PART_ROWS log rows and about CATCHUP_PART_BYTES —
   * and where the next part starts (null: this was the last; the whole answer null: resync).
   * Sockets of one audience coming back together (a server restart, a network blip) ask the same
   * question: the answer is computed once and shared while it is in flight and for
   * CATCHUP_SHARE_MS after. The key holds everything the answer depends on — the audience's
   * settings, `since` and `mark` (any change to a presented entity logs an event, which moves
   * `mark`) — so a shared answer is the one this socket would have computed.
   */
  async function catchUp(scope: FeedScope, since: number, mark: number): Promise<CatchupPart | null> {
    let audience = STAFF_AUDIENCE;
    let audienceKey = scope === 'staff' ? 'staff' : 'staffOf' in scope ? `staff:${scope.staffOf.join(',')}` : '';
    if (scope !== 'staff' && 'clientId' in scope) {
      const c = await deps.db
        .selectFrom('clients')
        .select(['id', 'visible_fields', 'modules', 'portal_enabled', 'archived_at'])
        .where('id', '=', scope.clientId)
        .executeTakeFirst();
      if (!c) return null;
      audience = portalAudience(c);
      audienceKey = `portal:${c.id}:${c.visible_fields}:${c.modules}:${c.portal_enabled}:${c.archived_at}`;
    }
    const key = `${audienceKey}|${since}|${mark}`;
    const now = Date.now();
    const hit = shared.get(key);
    if (hit && now - hit.at <= CATCHUP_SHARE_MS) return hit.answer;
    if (shared.size >= 256) for (const [k, v] of shared) if (now - v.at > CATCHUP_SHARE_MS) shared.delete(k);
    const answer = (async () => {
      const rows = await eventsSince(deps.db, since, mark, scope, CATCHUP_PART_ROWS);
      return partOf(rows, presenterOf(await loadEventData(deps.db, rows), audience), mark);
    })();
    shared.set(key, { at: now, answer });
    answer.catch(() => shared.delete(key));
    return answer;
  }
  const shared = new Map<string, { at: number; answer: Promise<CatchupPart | null> }>();

  deps.bus.on('events.appended', pump);
  /** Where the feed stands: every event at or below it has been pushed (null until read at start). */
  const position = (): number | null => (known ? lastEmitted : null);
  return { handlers, rescope, pump, position, drain: async () => void (await pumping) };
}

type CatchupPart = { events: AnyFeedEvent[]; next: number | null };

/**
 * The events of one catch-up part (`present(row)`: the row as this audience sees it, null when it
 * may not): every row's event until about CATCHUP_PART_BYTES of JSON (`jsonBytes`; at least one event), and
 * the position of the last row covered as `next` while rows may remain. A row never splits. Rows
 * are presented only as far as the part goes: those past it are presented by the next part.
 */
export function partOf<R extends { position: number }>(rows: R[], present: (row: R) => AnyFeedEvent | null, mark: number): CatchupPart {
  const events: AnyFeedEvent[] = [];
  let bytes = 0;
  let covered = 0;
  for (; covered < rows.length; covered++) {
    const e = present(rows[covered]!);
    if (!e) continue;
    const size = jsonBytes(e);
    if (events.length > 0 && bytes + size > CATCHUP_PART_BYTES) break;
    events.push(e);
    bytes += size;
  }
  const last = covered > 0 ? rows[covered - 1]!.position : null;
  const more = covered < rows.length || rows.length === CATCHUP_PART_ROWS;
  return { events, next: more && last !== null && last < mark ? last : null };
}

/**
 * Read and emit batches from the cursor until the log has nothing newer. Each batch must move the
 * cursor to its last row: if it does not (a bug in emitting), this throws — the pump logs it and
 * stops — instead of reading the same batch forever.
 */
export async function drainLog<R extends { position: number }>(
  read: (after: number) => Promise<R[]>,
  emit: (rows: R[]) => Promise<void>,
  cursor: () => number,
): Promise<void> {
  for (;;) {
    const from = cursor();
    const rows = await read(from);
    if (!rows.length) return;
    await emit(rows);
    if (cursor() < rows[rows.length - 1]!.position)
      throw new Error(`feed cursor stuck at ${cursor()} after a batch ending at ${rows[rows.length - 1]!.position}`);
  }
}
