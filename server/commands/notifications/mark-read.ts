import type { AppDeps } from '../../context.js';
import type { UnreadCountDTO } from '../../contracts/notifications.js';
import { notFound } from '../../errors.js';
import { markRead } from '../../repositories/notifications.js';
import type { CommandContext } from '../../context.js';
import { countUnread } from '../../queries/notifications/inbox.js';

/** Mark one of the viewer's notifications read (idempotent). A non-numeric or foreign id is 404. */
export async function readNotification(deps: AppDeps, ctx: CommandContext, rawId: string): Promise<UnreadCountDTO> {
  const id = /^[1-9][0-9]{0,15}$/.test(rawId) ? Number(rawId) : NaN;
  if (!Number.isSafeInteger(id)) throw notFound('That notification no longer exists. Reload the list.');
  if (!(await markRead(deps.db, ctx.viewer.user.id, id, deps.clock()))) throw notFound('That notification no longer exists. Reload the list.');
  deps.bus.publish('notifications.read', { userId: ctx.viewer.user.id });
  return countUnread(deps, ctx);
}
