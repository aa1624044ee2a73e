import type { AppDeps } from '../../context.js';
import type { DomainEvents } from '../bus.js';
import type { AppServer } from '../../realtime/socket-types.js';
import { rooms } from '../../realtime/rooms.js';
import { insertChatNotifications } from '../../repositories/notifications.js';
import { chatLink, oneLine, portalAudienceOf } from '../../commands/notifications/recipients.js';
import { clientTeamStaff } from '../../repositories/projects.js';
import { socketsIn } from '../../realtime/sockets-in.js';

/**
 * "New chat message while you were away": after a chat message committed, the client's portal
 * users (Chat module on) and the staff on the team of any of its projects are told — except the
 * author and anyone in the channel right now. Each person holds at most one unread chat
 * notification per channel: a second message while the first is unread adds nothing, also when
 * both arrive at once (a unique index decides, see `insertChatNotifications`).
 * Returns the new rows' ids (publish `notifications.created` with them).
 */
export async function notifyChatPosted(io: AppServer, deps: AppDeps, e: DomainEvents['chat.posted']): Promise<number[]> {
  const message = await deps.db
    .selectFrom('chat_messages')
    .innerJoin('users', 'users.id', 'chat_messages.author_id')
    .innerJoin('clients', 'clients.id', 'chat_messages.client_id')
    .select(['users.name as author_name', 'clients.name as client_name', 'chat_messages.deleted_at'])
    .where('chat_messages.id', '=', e.messageId)
    .where('chat_messages.client_id', '=', e.clientId)
    .executeTakeFirst();
  if (!message || message.deleted_at !== null) return [];

  const inChannel = new Set((await socketsIn(io, rooms.channel(e.clientId))).map((s) => s.data.viewer.user.id));
  const [portal, staff] = await Promise.all([portalAudienceOf(deps.db, e.clientId, 'chat'), clientTeamStaff(deps.db, e.clientId)]);
  const away = (list: { id: string }[]) => list.map((u) => u.id).filter((id) => id !== e.authorId && !inChannel.has(id));
  const kindOf = new Map<string, 'portal' | 'staff'>([
    ...away(portal).map((id) => [id, 'portal'] as const),
    ...away(staff).map((id) => [id, 'staff'] as const),
  ]);
  if (!kindOf.size) return [];

  const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
  const author = oneLine(message.author_name, 80);
  const now = deps.clock();
  const rows = [...kindOf].map(([id, kind]) => ({
    user_id: id,
    client_id: e.clientId,
    actor_id: e.authorId,
    finding_id: null,
    created_at: now,
    link: chatLink(kind, e.clientId),
    text:
      kind === 'portal'
        ? `New message from ${author} in your chat with ${oneLine(firm?.name ?? 'your provider', 80)}`
        : `New message from ${author} in the chat with ${oneLine(message.client_name, 80)}`,
  }));
  return insertChatNotifications(deps.db, rows);
}
