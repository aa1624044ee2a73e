import type { AppDeps } from '../../context.js';
import { advanceRead, channelStats, newestMessageId, readPosition } from '../../repositories/chat.js';
import { markReadAbout } from '../../repositories/notifications.js';
import { chatChannelFor } from '../../queries/chat/channel.js';
import type { CommandContext } from '../../context.js';

/** Move the viewer's read position forward (never back, never past the newest message). */
export async function markRead(
  deps: Pick<AppDeps, 'db' | 'bus' | 'clock'>,
  ctx: CommandContext,
  clientId: string | undefined,
  lastReadId: number,
): Promise<{ lastReadId: number; unread: number }> {
  const { client } = await chatChannelFor(deps, ctx, clientId, 'chat.read');
  const { user } = ctx.viewer;
  const target = Math.min(lastReadId, await newestMessageId(deps.db, client.id));
  const stored = target > 0 ? await advanceRead(deps.db, client.id, user.id, target) : await readPosition(deps.db, client.id, user.id);
  const s = (await channelStats(deps.db, user.id, [client.id])).get(client.id);
  // Read up to the newest message: the "new messages" notification about this channel is read too (the Chat badge follows).
  if (!s?.unread && (await markReadAbout(deps.db, user.id, { chatClientId: client.id }, deps.clock())))
    deps.bus.publish('notifications.read', { userId: user.id });
  return { lastReadId: stored, unread: s?.unread ?? 0 };
}
