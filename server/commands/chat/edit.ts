import type { AppDeps } from '../../context.js';
import type { ChatEditInput } from '../../contracts/chat.js';
import type { ChatMessageDTO } from '../../contracts/realtime.js';
import { forbidden, notFound, validationFailed } from '../../errors.js';
import { appendEvent } from '../../events/log.js';
import { attachmentsOfMessage } from '../../repositories/attachments.js';
import { findMessage } from '../../repositories/chat.js';
import { chatChannelFor } from '../../queries/chat/channel.js';
import { auditFor, type CommandContext } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { presentOne } from './send.js';

/**
 * Edits and deletes of one's own chat messages. The message is looked up first (another client's
 * or a made-up id is 404), then the channel checks apply (role, module, archive), then only the
 * author may change it. A delete is soft: the row stays as a tombstone ("message deleted"), its
 * text is never presented again, and its files are no longer served (and removed from disk).
 */

export async function ownMessage(deps: AppDeps, ctx: CommandContext, id: number) {
  const m = await findMessage(deps.db, id);
  if (!m || m.deleted_at !== null) throw notFound();
  const { profile } = await chatChannelFor(deps, ctx, m.client_id, 'chat.write');
  if (m.author_id !== ctx.viewer.user.id) throw forbidden('Only the author can change this message.');
  return { m, profile };
}

/** Change the text of one's own message; appends `message:updated`. */
export async function editMessage(deps: AppDeps, ctx: CommandContext, id: number, input: ChatEditInput): Promise<ChatMessageDTO> {
  const { m, profile } = await ownMessage(deps, ctx, id);
  const body = input.body.trim();
  if (!body && !(await attachmentsOfMessage(deps.db, id)).length)
    throw validationFailed('body: A message cannot be empty. Write something, or delete the message instead.', [
      { path: 'body', message: 'A message cannot be empty. Write something, or delete the message instead.' },
    ]);
  if (body !== m.body) {
    const now = deps.clock();
    await deps.writes.run(async (trx) => {
      const res = await trx.updateTable('chat_messages').set({ body, edited_at: now }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      if (!Number(res.numUpdatedRows)) throw notFound();
      await appendEvent(trx, { clientId: m.client_id, type: 'message:updated', audience: 'all', entityId: String(id) }, now);
      await writeAudit(
        trx,
        auditFor(ctx, m.client_id),
        { action: 'chat.message_edited', outcome: 'success', targetType: 'chat_message', targetId: String(id) },
        now,
      );
    });
  }
  return presentOne(deps, id, profile);
}
