import type { AppDeps } from '../context.js';
import type { ChatMessageDTO, MessageSendInput } from '../contracts/realtime.js';
import { badRequest, conflict, validationFailed } from '../errors.js';
import { appendEvent } from '../events/log.js';
import { loadMessages, presentMessage } from '../presenters/collaboration.js';
import { attachmentsOfMessage, attachToMessage } from '../repositories/attachments.js';
import { findByClientMessageId, insertMessage, moveReadForward } from '../repositories/chat.js';
import type { VisibilityProfile } from '../visibility/profile.js';
import { chatChannelFor } from './chat-access.js';
import type { CommandContext } from './context.js';
import { takeSend } from './send-limit.js';

/** What a send answers: the message as the sender may see it, and whether it was made just now. */
export interface SentMessage {
  message: ChatMessageDTO;
  created: boolean;
}

/**
 * Send a chat message (HTTP POST and socket `message:send` both call this). Staff name the
 * client; a portal user's is always their own. The send is rate-limited per user, idempotent on
 * (author, clientMessageId) — a replay returns the message already made and writes nothing — and
 * written through the group-commit queue: the message, its attachments (the sender's own pending
 * uploads for this client, all or nothing), the `message:created` log event and the author's read
 * position commit together, and the answer comes only after that commit.
 */
export async function sendMessage(deps: AppDeps, ctx: CommandContext, input: MessageSendInput): Promise<SentMessage> {
  const { user } = ctx.viewer;
  if (user.kind === 'staff' && !input.clientId) throw validationFailed('clientId: choose the client to write to.', [{ path: 'clientId', message: 'choose the client to write to' }]);
  const { client, profile } = await chatChannelFor(deps, ctx, input.clientId, 'chat.write');
  // A retry after a lost ack answers with the message already made, without spending the budget.
  const known = await findByClientMessageId(deps.db, user.id, input.clientMessageId);
  if (known) return { message: await presentOne(deps, reusable(known, client.id).id, profile), created: false };
  takeSend(deps, user.id);

  const body = input.body.trim();
  const attachmentIds = [...new Set(input.attachmentIds ?? [])];
  if (!body && !attachmentIds.length) throw validationFailed('body: write a message or attach a file.', [{ path: 'body', message: 'write a message or attach a file' }]);

  const now = deps.clock();
  const result = await deps.writes.run(async (trx) => {
    const existing = await findByClientMessageId(trx, user.id, input.clientMessageId);
    if (existing) return { id: reusable(existing, client.id).id, created: false as const };
    const row = { client_id: client.id, author_id: user.id, body, client_message_id: input.clientMessageId, created_at: now, edited_at: null, deleted_at: null };
    const id = await insertMessage(trx, row);
    const attached = await attachToMessage(trx, attachmentIds, { uploaderId: user.id, clientId: client.id, messageId: id });
    // Throwing rolls this write's savepoint back: no message, no attachment change, no event.
    if (attached !== attachmentIds.length) throw badRequest('One of the files is not yours to attach here, or is already attached. Upload it again.');
    await appendEvent(trx, { clientId: client.id, type: 'message:created', audience: 'all', entityId: String(id) }, now);
    await moveReadForward(trx, client.id, user.id, id);
    const files = attachmentIds.length ? await attachmentsOfMessage(trx, id) : [];
    return { id, created: true as const, row: { ...row, id, author_name: user.name, author_kind: user.kind }, files };
  });
  if (!result.created) return { message: await presentOne(deps, result.id, profile), created: false };
  deps.bus.publish('chat.posted', { clientId: client.id, messageId: result.id, authorId: user.id });
  // Just written in this transaction: present it from what was written (no second read).
  return { message: presentMessage(result.row, result.files, profile), created: true };
}

/** A replayed send must name the same channel: the same id reused for another client's channel is a 409 (nothing written). */
function reusable<T extends { client_id: string }>(existing: T, clientId: string): T {
  if (existing.client_id !== clientId) throw conflict('This clientMessageId was already used for a message in another channel. Send with a new one.');
  return existing;
}

/** One message presented for a profile (after commit, as it is now). */
export async function presentOne(deps: Pick<AppDeps, 'db'>, id: number, profile: VisibilityProfile): Promise<ChatMessageDTO> {
  const { messages, attachments } = await loadMessages(deps.db, [id]);
  const m = messages.get(id);
  if (!m) throw new Error(`chat message ${id} vanished after commit`);
  return presentMessage(m, attachments.get(id) ?? [], profile);
}
