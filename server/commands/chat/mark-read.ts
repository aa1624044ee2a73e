import type { AppDeps } from '../../context.js';
import { advanceRead, channelStats, newestMessageId, readPosition } from '../../repositories/chat.js';
import { chatChannelFor } from '../../queries/chat/channel.js';
import type { CommandContext } from '../../context.js';

/** Move the viewer's read position forward (never back, never past the newest message). */
export async function markRead(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  clientId: string | undefined,
  lastReadId: number,
): Promise<{ lastReadId: number; unread: number }> {
  const { client } = await chatChannelFor(deps, ctx, clientId, 'chat.read');
  const { user } = ctx.viewer;
  const target = Math.min(lastReadId, await newestMessageId(deps.db, client.id));
  const stored = target > 0 ? await advanceRead(deps.db, client.id, user.id, target) : await readPosition(deps.db, client.id, user.id);
  const s = (await channelStats(deps.db, user.id, [client.id])).get(client.id);
  return { lastReadId: stored, unread: s?.unread ?? 0 };
}
