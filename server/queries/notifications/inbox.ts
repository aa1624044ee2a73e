import type { AppDeps } from '../../context.js';
import type { NotificationListDTO, NotificationListQuery, UnreadCountDTO } from '../../contracts/notifications.js';
import { presentNotification } from '../../presenters/collaboration.js';
import { actorOrgs, listUserNotifications, unreadCounts } from '../../repositories/notifications.js';
import { portalProfile, STAFF_PROFILE, type VisibilityProfile } from '../../visibility/profile.js';
import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../../../db/schema.js';
import type { CommandContext } from '../../context.js';

/**
 * The signed-in person's own notifications. Every query is keyed on the session's user id:
 * nobody can list, count or mark anyone else's (another person's id answers 404, like a made-up one).
 */

const DEFAULT_PAGE = 20;

/** The audience a person's notifications are presented for (staff, or their own client's portal settings). */
async function notificationProfile(db: Kysely<Database>, user: Pick<UserRow, 'kind' | 'client_id'>): Promise<VisibilityProfile> {
  if (user.kind === 'staff' || !user.client_id) return STAFF_PROFILE;
  const client = await db.selectFrom('clients').select(['id', 'visible_fields']).where('id', '=', user.client_id).executeTakeFirst();
  return portalProfile(client ?? { id: user.client_id, visible_fields: '{}' });
}

/** One page of the viewer's notifications, newest first, with their unread count. */
export async function listNotifications(deps: AppDeps, ctx: CommandContext, q: NotificationListQuery): Promise<NotificationListDTO> {
  const limit = q.limit ?? DEFAULT_PAGE;
  // One more than asked tells whether an older page exists.
  const rows = await listUserNotifications(deps.db, ctx.viewer.user, q.before, limit + 1);
  const page = rows.slice(0, limit);
  const profile = await notificationProfile(deps.db, ctx.viewer.user);
  const orgs =
    profile.audience === 'staff'
      ? await actorOrgs(
          deps.db,
          page.map((n) => n.actor_id),
        )
      : new Map<string, string>();
  return {
    notifications: page.map((n) => presentNotification(n, profile, n.actor_id ? orgs.get(n.actor_id) : null)),
    ...(await unreadCounts(deps.db, ctx.viewer.user)),
    nextBefore: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}

/** The viewer's unread count (the bell, after a reconnect). */
export async function countUnread(deps: AppDeps, ctx: CommandContext): Promise<UnreadCountDTO> {
  return unreadCounts(deps.db, ctx.viewer.user);
}
