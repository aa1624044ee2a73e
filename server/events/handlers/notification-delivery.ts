import type { AppServer } from '../../realtime/socket-types.js';
import type { AppDeps } from '../../context.js';
import type { NotificationPushed } from '../../contracts/realtime.js';
import { notifyPrefsFrom } from '../../contracts/profile.js';
import { reaches, sees, seesModule } from '../../policies/access.js';
import { presentNotification } from '../../presenters/collaboration.js';
import { isOnline } from '../../realtime/io.js';
import { rooms } from '../../realtime/rooms.js';
import { actorOrgs, loadForDelivery, markReadAbout, unreadCounts, unreadCountsOf, type DeliveryRow } from '../../repositories/notifications.js';
import { scheduleDigest } from '../../repositories/mail-digests.js';
import { watchersOf } from '../../realtime/sockets-in.js';
import { portalProfile, STAFF_PROFILE } from '../../visibility/profile.js';
import { MODULE_OF_KIND } from '../../commands/notifications/recipients.js';
import { DIGEST_GRACE_MS, mailWindowMs, wantsMail } from './notification-mail.js';
import { findClientState, findFindingState } from '../../repositories/clients.js';
import { scopeOf, scopesOf } from '../../repositories/staff-scope.js';

/**
 * The after-commit side of notifications: each committed row is pushed to its person's own
 * sockets with their new unread counts, and, when they are offline and want such mail, waits for
 * their next mail (`notification-digest.ts`). A row about a finding or channel the person has open
 * in a visible tab is marked read instead: no unread item, no mail.
 * Access is checked again here, as things are now: a person removed, a portal switched off, a
 * module disabled or a finding withdrawn since the row was written gets no push and no mail.
 */
export async function deliverNotifications(io: AppServer, deps: AppDeps, ids: number[]): Promise<void> {
  if (!ids.length) return;
  const rows = await loadForDelivery(deps.db, ids);
  // A chat check tells a whole channel at once: each person, client, room and count is read once for all of them.
  const people = await peopleOf(deps, rows);
  const reads = stateReads(deps);
  const watchersIn = once((room) => watchersOf(io, room));
  const online = once((userId) => isOnline(io, userId));
  const allowed: DeliveryRow[] = [];
  for (const r of rows) {
    if (!(await mayStillKnow(r, people.get(r.user_id)!, reads))) continue;
    // Open in a visible tab: it is being read now, so it is read (no unread item, no mail).
    if (r.read_at === null && (await watchers(r, watchersIn)).has(r.user_id)) {
      await markReadAbout(deps.db, r.user_id, r.finding_id ? { findingId: r.finding_id } : { chatClientId: r.client_id! }, deps.clock());
      continue;
    }
    allowed.push(r);
  }
  const counts = await unreadCountsOf(
    deps.db,
    [...new Set(allowed.map((r) => r.user_id))].map((id) => people.get(id)!),
  );
  const orgs = await actorOrgs(
    deps.db,
    allowed.filter((r) => r.user_kind === 'staff').map((r) => r.actor_id),
  );
  const now = deps.clock();
  for (const r of allowed) {
    const profile = r.user_kind === 'portal' ? portalProfile({ id: r.user_client_id!, visible_fields: '{}' }) : STAFF_PROFILE;
    const payload: NotificationPushed = { notification: presentNotification(r, profile, r.actor_id ? orgs.get(r.actor_id) : null), ...counts.get(r.user_id)! };
    io.to(rooms.user(r.user_id)).emit('notification:created', payload);
    // Offline and wanting such mail: the row waits for the person's next mail (a digest, at most one per window).
    if (r.read_at === null && r.emailed_at === null && wantsMail(notifyPrefsFrom(r.user_prefs), r.kind) && !(await online(r.user_id))) {
      await deps.db.updateTable('notifications').set({ mail_pending: 1 }).where('id', '=', r.id).execute();
      await scheduleDigest(deps.db, r.user_id, now, DIGEST_GRACE_MS, mailWindowMs(deps, r.user_prefs));
    }
  }
}

/** A read made once per key for a batch of rows (the first call's promise is shared). */
function once<V>(read: (key: string) => Promise<V>): (key: string) => Promise<V> {
  const known = new Map<string, Promise<V>>();
  return (key) => known.get(key) ?? known.set(key, read(key)).get(key)!;
}

/** The state access judges a batch of rows by: each client and finding read once. */
export function stateReads(deps: Pick<AppDeps, 'db'>) {
  return { client: once((id) => findClientState(deps.db, id)), finding: once((id) => findFindingState(deps.db, id)) };
}
type StateReads = ReturnType<typeof stateReads>;

/** The people with the finding or chat channel a notification is about open in a visible tab (each room asked once per batch). */
function watchers(r: DeliveryRow, watchersIn: (room: string) => Promise<Set<string>>): Promise<Set<string>> {
  if (r.finding_id) return watchersIn(rooms.finding(r.finding_id));
  if (r.kind === 'chat' && r.client_id) return watchersIn(rooms.channel(r.client_id));
  return Promise.resolve(new Set());
}

/** The recipients of `rows` as access judges them (status and the clients they reach now), by id; their scopes read together. */
export async function peopleOf(deps: AppDeps, rows: DeliveryRow[]) {
  const byId = new Map(
    rows.map((r) => [r.user_id, { id: r.user_id, kind: r.user_kind, role: r.user_role, client_id: r.user_client_id, status: r.user_status }]),
  );
  return new Map((await scopesOf(deps.db, [...byId.values()])).map((p) => [p.id, p]));
}
type Recipient = Awaited<ReturnType<typeof peopleOf>> extends Map<string, infer P> ? P : never;

/** Whether the person may still know about what the notification names. */
export async function mayStillKnow(r: DeliveryRow, person: Recipient, reads: StateReads): Promise<boolean> {
  if (r.finding_id) {
    const f = await reads.finding(r.finding_id);
    return f !== undefined && sees(person, 'finding', f);
  }
  // About a client's module as a whole (a report published, the chat). A staff-only kind has no
  // module, and a notice naming no client has nothing to judge but the person: staff only.
  const staffOnly = person.kind === 'staff' && person.status === 'active' && (!r.client_id || reaches(person, r.client_id));
  const module = MODULE_OF_KIND[r.kind];
  const client = r.client_id ? await reads.client(r.client_id) : undefined;
  return module && client ? seesModule(person, client, module) : staffOnly;
}

/** Tell the person's open pages their unread counts (the bell and the Chat badge), after they read some. */
export async function pushCounts(io: AppServer, deps: AppDeps, userId: string): Promise<void> {
  const user = await deps.db.selectFrom('users').select(['id', 'kind', 'role', 'client_id']).where('id', '=', userId).executeTakeFirst();
  if (!user) return;
  const counts = await unreadCounts(deps.db, { ...user, scope: await scopeOf(deps.db, user) });
  io.to(rooms.user(userId)).emit('notifications:counted', counts);
}
