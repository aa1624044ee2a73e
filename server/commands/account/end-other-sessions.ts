import type { AppDeps } from '../../context.js';
import { deferredBus } from '../../events/bus.js';
import { writeAudit } from '../../audit.js';
import { endUserSessions } from '../../auth/revoke.js';
import type { CommandContext } from '../../context.js';

/** End every session of one's own but this one (their sockets close after commit); returns how many ended. */
export async function endOtherSessions(deps: AppDeps, ctx: CommandContext): Promise<number> {
  const v = ctx.viewer;
  const deferred = deferredBus(deps.bus);
  const ended = await deps.db.transaction().execute(async (trx) => {
    const ids = await endUserSessions({ db: trx, bus: deferred.bus, clock: deps.clock }, v.user.id, 'signed_out_elsewhere', v.session.id);
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'session.ended', outcome: 'success', targetType: 'user', targetId: v.user.id, details: { scope: 'others', count: ids.length } },
      deps.clock(),
    );
    return ids.length;
  });
  deferred.flush();
  return ended;
}
