import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { notFound } from '../../errors.js';
import { publicSessionId } from '../../presenters/profile.js';
import { endSessionRows, sessionIdsOf } from '../../repositories/sessions.js';
import type { CommandContext } from '../../context.js';

/**
 * End one of one's own sessions, named by the id the session list shows. It is looked up among
 * this person's sessions only: anyone else's id is simply not found. Says whether it was the
 * asking session itself (its cookie should then be cleared).
 */
export async function endOwnSession(deps: AppDeps, ctx: CommandContext, publicId: string): Promise<{ current: boolean }> {
  const v = ctx.viewer;
  const target = (await sessionIdsOf(deps.db, v.user.id)).find((id) => publicSessionId(id) === publicId);
  if (!target) throw notFound('That session has already ended.');
  const now = deps.clock();
  // Ended from this browser: nothing to explain here; another device of theirs is told it was signed out elsewhere.
  const reason = target === v.session.id ? null : 'signed_out_elsewhere';
  await deps.db.transaction().execute(async (trx) => {
    await endSessionRows(trx, (eb) => eb('id', '=', target), reason, now);
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'session.ended', outcome: 'success', targetType: 'session', targetId: publicId, details: { scope: 'one' } },
      now,
    );
  });
  deps.bus.publish('sessions.ended', { sessionIds: [target], reason });
  return { current: target === v.session.id };
}
