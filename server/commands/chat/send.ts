import type { AppDeps } from '../../context.js';
import type { ChatMessageDTO, MessageSendInput } from '../../contracts/realtime.js';
import { badRequest, conflict, validationFailed } from '../../errors.js';
import type { Kysely } from 'kysely';
import type { AttachmentRow, ChatMessageRow, Database } from '../../../db/schema.js';
import { appendEvents } from '../../events/log.js';
import { presentMessage } from '../../presenters/collaboration.js';
import { attachmentsOfMessage, attachToMessage } from '../../repositories/attachments.js';
import { findByClientMessageId, insertMessages, loadMessages, moveReadsForward, type MessageWithAuthor } from '../../repositories/chat.js';
import type { VisibilityProfile } from '../../visibility/profile.js';
import { chatChannelFor } from '../../queries/chat/channel.js';
import { auditFor, type CommandContext } from '../../context.js';
import { writeAudits, type AuditContext } from '../../audit.js';
import { inTurn, type BatchWriter, type Outcome } from '../../services/group-commit.js';
import { takeSend } from '../../services/send-limit.js';

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
  if (user.kind === 'staff' && !input.clientId)
    throw validationFailed('clientId: Choose the client to write to.', [{ path: 'clientId', message: 'choose the client to write to' }]);
  const { client, profile } = await chatChannelFor(deps, ctx, input.clientId, 'chat.write');
  // A retry after a lost ack answers with the message already made, without spending the budget.
  const known = await findByClientMessageId(deps.db, user.id, input.clientMessageId);
  if (known) return { message: await presentOne(deps, reusable(known, client.id).id, profile), created: false };
  await takeSend(deps, user.id);

  const body = input.body.trim();
  const attachmentIds = [...new Set(input.attachmentIds ?? [])];
  if (!body && !attachmentIds.length)
    throw validationFailed('body: Write a message or attach a file.', [{ path: 'body', message: 'write a message or attach a file' }]);

  const row = {
    client_id: client.id,
    author_id: user.id,
    body,
    client_message_id: input.clientMessageId,
    created_at: deps.clock(),
    edited_at: null,
    deleted_at: null,
  };
  const result = await inTurn(ctx.turn, () =>
    deps.writes.runWith(messageWriter, {
      row,
      attachmentIds,
      author: { name: user.name, kind: user.kind, org: user.kind === 'portal' ? client.name : null },
      audit: auditFor(ctx, client.id),
    }),
  );
  if (!result.created) return { message: await presentOne(deps, result.id, profile), created: false };
  deps.bus.publish('chat.posted', { clientId: client.id, messageId: result.id, authorId: user.id });
  // Just written in this transaction: present it from what was written (no second read).
  return { message: presentMessage(result.message, result.files, profile), created: true };
}

interface NewMessage {
  row: Omit<ChatMessageRow, 'id'>;
  attachmentIds: string[];
  /** `org`: a client user's organisation (the channel's client: a client user writes only in their own). */
  author: { name: string; kind: 'staff' | 'portal'; org: string | null };
  /** Who sent it, from where: its audit row commits with it. */
  audit: AuditContext;
}
type Written = { id: number; created: false } | { id: number; created: true; message: MessageWithAuthor; files: AttachmentRow[] };

/**
 * Writes the messages that arrive together with a few statements for all of them: the messages
 * (a replay of an existing (author, clientMessageId) writes nothing and answers with that
 * message), their attachments (the sender's own pending uploads for this client, all or
 * nothing), one `message:created` log event each and the authors' read positions. An attachment
 * that is not the sender's throws, so the group queue writes each message alone and only that
 * one fails, with nothing of it written.
 */
const messageWriter: BatchWriter<NewMessage, Written> = {
  async many(trx, inputs) {
    const made = new Map(
      (
        await insertMessages(
          trx,
          inputs.map((i) => i.row),
        )
      ).map((r) => [`${r.author_id} ${r.client_message_id}`, r.id]),
    );
    const out: Outcome<Written>[] = [];
    const created: { input: NewMessage; id: number }[] = [];
    for (const input of inputs) {
      const key = `${input.row.author_id} ${input.row.client_message_id}`;
      const id = made.get(key);
      made.delete(key); // a second send with the same key in this batch is a replay of the first
      if (id === undefined) {
        out.push(await replayOf(trx, input.row));
        continue;
      }
      const files = input.attachmentIds.length ? await attach(trx, input, id) : [];
      created.push({ input, id });
      out.push({
        ok: true,
        value: {
          id,
          created: true,
          message: { ...input.row, id, author_name: input.author.name, author_kind: input.author.kind, author_org: input.author.org },
          files,
        },
      });
    }
    await appendEvents(
      trx,
      created.map(({ input, id }) => ({
        clientId: input.row.client_id,
        type: 'message:created',
        audience: 'all',
        entityId: String(id),
        at: input.row.created_at,
      })),
    );
    // One audit row per message, in the same transaction (ids only: never the text), chained with one read of the head.
    await writeAudits(
      trx,
      created.map(({ input, id }) => ({
        ctx: input.audit,
        entry: {
          action: 'chat.message_sent' as const,
          outcome: 'success' as const,
          targetType: 'chat_message',
          targetId: String(id),
          details: { attachments: input.attachmentIds.length },
        },
        at: input.row.created_at,
      })),
    );
    await moveReadsForward(
      trx,
      created.map(({ input, id }) => ({ clientId: input.row.client_id, userId: input.row.author_id, id })),
    );
    return out;
  },
};

/** A send whose (author, clientMessageId) is already taken: that message, if it is in the same channel. */
async function replayOf(trx: Kysely<Database>, row: NewMessage['row']): Promise<Outcome<Written>> {
  const existing = await findByClientMessageId(trx, row.author_id, row.client_message_id!);
  if (!existing) throw new Error('a skipped chat insert has no existing row');
  try {
    return { ok: true, value: { id: reusable(existing, row.client_id).id, created: false } };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Attach the sender's pending uploads to the new message: all of them, or throw (the batch is written again one by one). */
async function attach(trx: Kysely<Database>, input: NewMessage, messageId: number): Promise<AttachmentRow[]> {
  const attached = await attachToMessage(trx, input.attachmentIds, { uploaderId: input.row.author_id, clientId: input.row.client_id, messageId });
  if (attached !== input.attachmentIds.length) throw badRequest('One of the files is not yours to attach here, or is already attached. Upload it again.');
  return attachmentsOfMessage(trx, messageId);
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
