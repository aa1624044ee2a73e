import type { AppDeps } from '../../context.js';
import type { ChatChannelDTO, ChatHistoryDTO, ChatHistoryQuery } from '../../contracts/chat.js';
import { can } from '../../policies/index.js';
import { presentMessage, presentMessagePreview } from '../../presenters/collaboration.js';
import { channelStats, loadMessages, messageIdsPage, readPosition } from '../../repositories/chat.js';
import { clientSees, isArchived, reachesSql, requireSees } from '../../policies/access.js';
import { resolveProfile, STAFF_PROFILE } from '../../visibility/profile.js';
import { chatChannelFor } from './channel.js';
import type { CommandContext } from '../../context.js';
import { iso } from '../../presenters/iso.js';

/** Reading the chat: the channel list, a page of history, and moving one's read position. */

/**
 * The channels the viewer may read, newest activity first: every client's in their scope for staff, their own
 * client's for a portal user (403 `module_disabled` when its Chat module is off). Each with its
 * last message and the viewer's unread count.
 */
export async function listChannels(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<ChatChannelDTO[]> {
  const { user } = ctx.viewer;
  const clients = await deps.db
    .selectFrom('clients')
    .select(['id', 'name', 'modules', 'visible_fields', 'portal_enabled', 'archived_at'])
    .where(reachesSql(user, 'clients.id'))
    .execute();
  if (user.kind === 'portal') requireSees(user, 'chat', clients[0]);
  const stats = await channelStats(deps.db, user.id, user.scope === 'all' ? 'all' : clients.map((c) => c.id));
  const lastIds = [...stats.values()].map((s) => s.lastId).filter(Boolean);
  const { messages, attachments } = await loadMessages(deps.db, lastIds);
  const channels = clients.map((c): ChatChannelDTO => {
    const s = stats.get(c.id);
    const m = s ? messages.get(s.lastId) : undefined;
    const profile = user.kind === 'staff' ? STAFF_PROFILE : resolveProfile(ctx.viewer, c);
    return {
      clientId: c.id,
      clientName: c.name,
      archived: isArchived(c),
      chatEnabled: clientSees('chat', c),
      lastMessage: m
        ? presentMessagePreview(
            m,
            (attachments.get(m.id) ?? []).map((a) => a.original_name),
            profile,
          )
        : null,
      lastActivityAt: iso(m?.created_at),
      unread: s?.unread ?? 0,
      lastReadId: s?.lastRead ?? 0,
    };
  });
  // Newest activity first; channels without messages after, by name. Archived clients last.
  return channels.sort(
    (a, b) =>
      Number(a.archived) - Number(b.archived) || (b.lastActivityAt ?? '').localeCompare(a.lastActivityAt ?? '') || a.clientName.localeCompare(b.clientName),
  );
}

/** One page of a channel's history (newest page first; messages oldest first within it) with the viewer's read position. */
export async function chatHistory(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  clientId: string | undefined,
  query: ChatHistoryQuery,
): Promise<ChatHistoryDTO> {
  const { client, profile } = await chatChannelFor(deps, ctx, clientId, 'chat.read');
  const limit = query.limit ?? 50;
  const ids = await messageIdsPage(deps.db, client.id, query.before, limit + 1);
  const page = ids.slice(0, limit);
  const { messages, attachments } = await loadMessages(deps.db, page);
  const { user } = ctx.viewer;
  return {
    clientId: client.id,
    clientName: client.name,
    messages: page
      .slice()
      .reverse()
      .map((id) => messages.get(id))
      .filter((m) => m !== undefined)
      .map((m) => presentMessage(m, attachments.get(m.id) ?? [], profile)),
    hasMore: ids.length > limit,
    lastReadId: await readPosition(deps.db, client.id, user.id),
    canWrite: !isArchived(client) && can(user, 'chat.write', { type: 'clientData', clientId: client.id }),
    archived: isArchived(client),
  };
}
