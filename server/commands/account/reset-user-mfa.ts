import { auditFor, type AppDeps } from '../../context.js';
import { findFirm } from '../../repositories/firm.js';
import { guardBreakGlass } from '../../auth/sso.js';
import { writeAudit } from '../../audit.js';
import { forbidden, notFound } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { throttleReset } from '../../auth/rate-limit.js';
import { voidResets } from '../../auth/password-reset.js';
import { endUserSessions } from '../../auth/revoke.js';
import { clearTotp, findUserKind } from '../../repositories/users.js';
import { deleteRecoveryCodes } from '../../repositories/recovery-codes.js';
import { deleteAllPasskeys } from '../../repositories/passkeys.js';
import type { CommandContext } from '../../context.js';

/**
 * Help someone who lost their phone: their authenticator, passkeys, recovery codes, code throttle and
 * pending reset links are cleared, and their sessions (and live sockets) end now; their next
 * sign-in goes through enrolment again. Any staff member who reaches the client may do it for
 * its users; a staff account's second factor is an admin's call.
 */
export async function resetUserMfa(deps: AppDeps, ctx: CommandContext, userId: string): Promise<void> {
  // A firm-side action: a client's Manager resets nobody's second factor, their own people's included.
  if (ctx.viewer.user.kind !== 'staff') throw forbidden();
  const target = await findUserKind(deps.db, userId);
  if (!target) throw notFound();
  if (target.kind === 'staff') authorize(ctx.viewer.user, 'staff.manage');
  else authorize(ctx.viewer.user, 'portalUser.manage', { type: 'clientUsers', clientId: target.client_id ?? '' });
  guardBreakGlass(target.id, await findFirm(deps.db), 'resetting their second factor');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await clearTotp(trx, target.id, now);
    const passkeys = await deleteAllPasskeys(trx, target.id);
    await deleteRecoveryCodes(trx, target.id);
    await throttleReset(trx, `totp:${target.id}`);
    await voidResets(trx, target.id, now);
    await writeAudit(
      trx,
      auditFor(ctx, target.client_id), // a client's person: that client's row (its Managers see it)
      {
        action: 'mfa.reset',
        outcome: 'success',
        targetType: 'user',
        targetId: target.id,
        details: { targetClientId: target.client_id, passkeysRemoved: passkeys },
      },
      now,
    );
  });
  await endUserSessions(deps, target.id, 'mfa_reset');
}
