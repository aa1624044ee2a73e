import type { AppDeps, CommandContext } from '../../context.js';
import type { MessagesInput, MessageSettingsDTO } from '../../contracts/messages.js';
import { transact } from '../../../db/dialect.js';
import { writeAudit } from '../../audit.js';
import { messageSettings, normaliseMessages } from '../../messages.js';
import { authorize } from '../../policies/index.js';
import { lockMessages, saveMessage, storedMessages } from '../../repositories/firm-messages.js';

/** How much of each text the audit row keeps (the firm's own public words, not client data). */
const AUDIT_TEXT_CAP = 300;
const capped = (t: string | null) => (t !== null && t.length > AUDIT_TEXT_CAP ? `${t.slice(0, AUDIT_TEXT_CAP)}…` : t);

/**
 * Change the firm's portal messages (admins only): each named message becomes its new text, or
 * goes back to its default (null). One short transaction writes the changed messages and one
 * audit row `firm.messages_updated` with the before and after of each changed one (null = the
 * default). Nothing changed: nothing written. After a change, open pages are told (`brand.updated`,
 * as for the brand: the footer and help are part of it) and read the new words again.
 */
export async function updateMessages(deps: AppDeps, ctx: CommandContext, input: MessagesInput): Promise<MessageSettingsDTO> {
  authorize(ctx.viewer.user, 'firm.manage');
  const wanted = normaliseMessages(input);
  const now = deps.clock();
  const changed = await transact(deps.db, async (trx) => {
    await lockMessages(trx);
    const stored = await storedMessages(trx);
    const before: Record<string, string | null> = {};
    const after: Record<string, string | null> = {};
    for (const [key, text] of wanted) {
      const was = stored.get(key) ?? null;
      if (was === text) continue;
      await saveMessage(trx, key, text, now);
      before[key] = capped(was);
      after[key] = capped(text);
    }
    if (!Object.keys(after).length) return false;
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'firm.messages_updated', outcome: 'success', targetType: 'firm', targetId: '1', details: { before, after } },
      now,
    );
    return true;
  });
  if (changed) deps.bus.publish('brand.updated', {});
  return messageSettings(deps.db);
}
