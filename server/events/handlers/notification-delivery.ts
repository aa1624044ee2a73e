import type { AppServer } from '../../realtime/socket-types.js';
import type { AppDeps } from '../../context.js';
import type { NotificationPushed } from '../../contracts/realtime.js';
import { notifyPrefsFrom } from '../../contracts/profile.js';
import { reaches, sees, seesModule } from '../../policies/access.js';
import { presentNotification } from '../../presenters/collaboration.js';
import { isOnline } from '../../realtime/io.js';
import { rooms } from '../../realtime/rooms.js';
import { loadForDelivery, unreadCount, type DeliveryRow } from '../../repositories/notifications.js';
import { queueMail } from '../../services/mailer.js';
import { portalProfile, STAFF_PROFILE } from '../../visibility/profile.js';
import { MODULE_OF_KIND } from '../../commands/notifications/recipients.js';
import { notificationMail, wantsMail } from './notification-mail.js';
import { findClientState, findFindingState } from '../../repositories/clients.js';
import { scopeOf } from '../../repositories/staff-scope.js';

/**
 * The after-commit side of notifications: each committed row is pushed to its person's own
 * sockets with their new unread count, and mailed when they are offline and want such mail.
 * Access is checked again here, as things are now: a person removed, a portal switched off, a
 * module disabled or a finding withdrawn since the row was written gets no push and no mail.
 */
export async function deliverNotifications(io: AppServer, deps: AppDeps, ids: number[]): Promise<void> {
  if (!ids.length) return;
  const rows = await loadForDelivery(deps.db, ids);
  const allowed: DeliveryRow[] = [];
  const counts = new Map<string, number>();
  for (const r of rows) {
    const person = await personOf(deps, r);
    if (!(await mayStillKnow(deps, r, person))) continue;
    allowed.push(r);
    if (!counts.has(r.user_id)) counts.set(r.user_id, await unreadCount(deps.db, person));
  }
  if (!allowed.length) return;

  const offline: DeliveryRow[] = [];
  for (const r of allowed) {
    const profile = r.user_kind === 'portal' ? portalProfile({ id: r.user_client_id!, visible_fields: '{}' }) : STAFF_PROFILE;
    const payload: NotificationPushed = { notification: presentNotification(r, profile), unread: counts.get(r.user_id) ?? 0 };
    io.to(rooms.user(r.user_id)).emit('notification:created', payload);
    if (r.emailed_at === null && wantsMail(notifyPrefsFrom(r.user_prefs), r.kind) && !(await isOnline(io, r.user_id))) offline.push(r);
  }
  if (offline.length) await mailOffline(deps, offline);
}

/** The recipient as access judges them: status and the clients they reach now. */
async function personOf(deps: AppDeps, r: DeliveryRow) {
  const who = { id: r.user_id, kind: r.user_kind, role: r.user_role, client_id: r.user_client_id };
  return { ...who, status: r.user_status, scope: await scopeOf(deps.db, who) };
}

/** Whether the person may still know about what the notification names. */
async function mayStillKnow(deps: AppDeps, r: DeliveryRow, person: Awaited<ReturnType<typeof personOf>>): Promise<boolean> {
  if (r.finding_id) {
    const f = await findFindingState(deps.db, r.finding_id);
    return f !== undefined && sees(person, 'finding', f);
  }
  // About a client's module as a whole (a report published, the chat). A staff-only kind has no
  // module, and a notice naming no client has nothing to judge but the person: staff only.
  const staffOnly = person.kind === 'staff' && person.status === 'active' && (!r.client_id || reaches(person, r.client_id));
  const module = MODULE_OF_KIND[r.kind];
  const client = r.client_id ? await findClientState(deps.db, r.client_id) : undefined;
  return module && client ? seesModule(person, client, module) : staffOnly;
}

/**
 * Queue the mails in a short transaction of their own (after the change committed: a mail
 * failure never undoes or delays it). `emailed_at` is set with the mail, so a row is mailed once.
 */
async function mailOffline(deps: AppDeps, rows: DeliveryRow[]): Promise<void> {
  const now = deps.clock();
  const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
  const firmName = firm?.name ?? 'Debrief';
  const queued = await deps.db.transaction().execute(async (trx) => {
    let n = 0;
    for (const r of rows) {
      const claimed = await trx.updateTable('notifications').set({ emailed_at: now }).where('id', '=', r.id).where('emailed_at', 'is', null).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      await queueMail(trx, notificationMail(r, r.user_email, firmName, deps.config.publicUrl), now, !!deps.config.smtpUrl);
      n++;
    }
    return n;
  });
  if (queued) deps.bus.publish('mail.queued', {});
}
