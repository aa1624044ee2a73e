import type { AppDeps } from '../../context.js';
import type { DomainEvents } from '../bus.js';
import type { AppServer } from '../../realtime/socket-types.js';
import { rooms } from '../../realtime/rooms.js';
import { upsertCoalesced, whoAndHowMany } from '../../repositories/notifications.js';
import { chatLink, oneLine, portalAudienceOf } from '../../commands/notifications/recipients.js';
import { clientTeamStaff } from '../../repositories/projects.js';
import { watchersOf } from '../../realtime/sockets-in.js';

/** Chat messages posted in one channel since its last check: how many, by whom (ids, in order). */
export interface ChatBatch {
  count: number;
  authorIds: string[];
}

/**
 * "New chat messages while you were away": after chat messages committed, the client's portal
 * users (Chat module on) and the staff on the team of any of its projects are told — except the
 * latest author and anyone with the channel open in a visible tab. Each person holds at most one
 * unread chat notification per channel: while it is unread, new messages update it (count, latest
 * authors, time) instead of adding rows (`upsertCoalesced`). `e` is the newest message of `batch`.
 * Returns the ids written or updated (publish `notifications.created` with them).
 */
export async function notifyChatPosted(io: AppServer, deps: AppDeps, e: DomainEvents['chat.posted'], batch: ChatBatch): Promise<number[]> {
  const message = await deps.db
    .selectFrom('chat_messages')
    .innerJoin('clients', 'clients.id', 'chat_messages.client_id')
    .select(['clients.name as client_name', 'chat_messages.deleted_at'])
    .where('chat_messages.id', '=', e.messageId)
    .where('chat_messages.client_id', '=', e.clientId)
    .executeTakeFirst();
  if (!message || message.deleted_at !== null) return [];
  const authorRows = await deps.db.selectFrom('users').select(['id', 'name']).where('id', 'in', batch.authorIds).execute();
  const nameOf = new Map(authorRows.map((a) => [a.id, oneLine(a.name, 80)]));
  // Newest first, each once.
  const authors = [...new Set([...batch.authorIds].reverse())].map((id) => nameOf.get(id)).filter((n): n is string => !!n);

  const watching = await watchersOf(io, rooms.channel(e.clientId));
  const [portal, staff] = await Promise.all([portalAudienceOf(deps.db, e.clientId, 'chat'), clientTeamStaff(deps.db, e.clientId)]);
  const away = (list: { id: string }[]) => list.map((u) => u.id).filter((id) => id !== e.authorId && !watching.has(id));
  const kindOf = new Map<string, 'portal' | 'staff'>([
    ...away(portal).map((id) => [id, 'portal'] as const),
    ...away(staff).map((id) => [id, 'staff'] as const),
  ]);
  if (!kindOf.size) return [];

  const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
  const where = (kind: 'portal' | 'staff') =>
    kind === 'portal' ? `in your chat with ${oneLine(firm?.name ?? 'your security firm', 80)}` : `in the chat with ${oneLine(message.client_name, 80)}`;
  const now = deps.clock();
  const rows = [...kindOf].map(([id, kind]) => ({
    user_id: id,
    client_id: e.clientId,
    actor_id: e.authorId,
    finding_id: null,
    created_at: now,
    link: chatLink(kind, e.clientId),
    add: {
      count: batch.count,
      authors,
      text: (count: number, names: string[]) =>
        count === 1 ? `New message from ${names[0] ?? 'someone'} ${where(kind)}` : `${whoAndHowMany(names, count, 'new message')} ${where(kind)}`,
    },
  }));
  // Through the write queue: one commit for the whole channel, shared with the chat writes queued meanwhile.
  return deps.writes.run((trx) => upsertCoalesced(trx, 'chat', rows));
}
