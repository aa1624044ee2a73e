import type { AppDeps } from '../../context.js';
import type { ChatMessageDTO } from '../../contracts/realtime.js';
import { notFound } from '../../errors.js';
import { appendEvent } from '../../events/log.js';
import { attachmentsOfMessage } from '../../repositories/attachments.js';
import { deleteStoredFile } from '../../services/storage.js';
import { auditFor, type CommandContext } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { presentOne } from './send.js';
import { ownMessage } from './edit.js';

/** Delete one's own message (tombstone); appends `message:deleted`. */
export async function deleteMessage(deps: AppDeps, ctx: CommandContext, id: number): Promise<ChatMessageDTO> {
  const { m, profile } = await ownMessage(deps, ctx, id);
  const now = deps.clock();
  const files = await deps.writes.run(async (trx) => {
    const res = await trx.updateTable('chat_messages').set({ deleted_at: now }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!Number(res.numUpdatedRows)) throw notFound();
    await appendEvent(trx, { clientId: m.client_id, type: 'message:deleted', audience: 'all', entityId: String(id) }, now);
    await writeAudit(
      trx,
      auditFor(ctx, m.client_id),
      { action: 'chat.message_deleted', outcome: 'success', targetType: 'chat_message', targetId: String(id) },
      now,
    );
    return attachmentsOfMessage(trx, id);
  });
  // After commit: the rows stay (the tombstone's history), the bytes go.
  for (const a of files) {
    await deleteStoredFile(deps.config.uploadsDir, a.file);
    await deleteStoredFile(deps.config.uploadsDir, a.thumb_file);
  }
  return presentOne(deps, id, profile);
}
