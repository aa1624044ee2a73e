import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { deleteSession } from '../../auth/session.js';
import type { OriginContext } from './origin.js';

/** Sign out: the browser's session (if it still has one) ends, with its live sockets. */
export async function logout(deps: AppDeps, ctx: OriginContext): Promise<void> {
  if (!ctx.sessionId) return;
  const sessionId = ctx.sessionId;
  await deps.db.transaction().execute(async (trx) => {
    await deleteSession(trx, sessionId);
    await writeAudit(trx, ctx.audit, { action: 'auth.logout', outcome: 'success', targetType: 'session' }, deps.clock());
  });
  deps.bus.publish('sessions.ended', { sessionIds: [sessionId], reason: null });
}
