import type { AppDeps } from '../../context.js';
import type { UnreadCountDTO } from '../../contracts/notifications.js';
import { markAllRead } from '../../repositories/notifications.js';
import type { CommandContext } from '../../context.js';

/** Mark every one of the viewer's notifications read. */
export async function readAllNotifications(deps: AppDeps, ctx: CommandContext): Promise<UnreadCountDTO> {
  if (await markAllRead(deps.db, ctx.viewer.user.id, deps.clock())) deps.bus.publish('notifications.read', { userId: ctx.viewer.user.id });
  return { unread: 0, unreadChat: 0 };
}
