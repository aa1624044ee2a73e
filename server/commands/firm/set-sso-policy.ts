import type { AppDeps, CommandContext } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { conflict } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import type { SsoPolicyDTO, SsoPolicySettings } from '../../contracts/sso.js';
import { findFirm } from '../../repositories/firm.js';
import { findProviderOf } from '../../repositories/sso.js';
import { findUser } from '../../repositories/users.js';
import { endStaffPasswordSessions } from '../../auth/revoke.js';

/**
 * SSO-only for staff, with one break-glass administrator who keeps password + MFA (admins). Turning
 * it on needs the firm's provider on, a break-glass admin who is active and has a second factor,
 * and a caller who will not be locked out: signed in through the provider in this session, or the
 * break-glass admin themself. Turning it on ends the staff sessions a password made (but the
 * break-glass admin's), with the reason `sso_required`.
 */
export async function setSsoPolicy(deps: AppDeps, ctx: CommandContext, input: SsoPolicySettings): Promise<SsoPolicyDTO> {
  authorize(ctx.viewer.user, 'firm.manage');
  const now = deps.clock();
  const before = await findFirm(deps.db);
  if (input.ssoOnlyStaff) {
    const provider = await findProviderOf(deps.db, 'firm');
    if (!provider || provider.enabled !== 1) throw conflict('Set up and turn on the firm’s single sign-on provider first.');
    const glass = input.breakGlassUserId ? await findUser(deps.db, input.breakGlassUserId) : undefined;
    if (!glass || glass.kind !== 'staff' || glass.role !== 'admin' || glass.status !== 'active') {
      throw conflict('Name an active administrator as the break-glass account.');
    }
    if (glass.totp_secret_enc === null && glass.passkey_count === 0)
      throw conflict('The break-glass administrator needs a second factor (an authenticator app or a passkey) first.');
    const viaSso = await deps.db.selectFrom('sso_sessions').select('session_id').where('session_id', '=', ctx.viewer.session.id).executeTakeFirst();
    if (!viaSso && ctx.viewer.user.id !== glass.id)
      throw conflict('Sign in through single sign-on first (or as the break-glass administrator), so that turning this on cannot lock you out.');
  }
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('firm')
      .set({ sso_only_staff: input.ssoOnlyStaff ? 1 : 0, break_glass_user_id: input.breakGlassUserId, updated_at: now })
      .where('id', '=', 1)
      .execute();
    await writeAudit(
      trx,
      ctx.audit,
      {
        action: 'sso.policy_changed',
        outcome: 'success',
        targetType: 'firm',
        targetId: '1',
        details: { before: { ssoOnlyStaff: before?.sso_only_staff === 1, breakGlassUserId: before?.break_glass_user_id ?? null }, after: input },
      },
      now,
    );
  });
  // Switched on: staff signed in by password (but the break-glass admin) sign in again, through the provider.
  if (input.ssoOnlyStaff && before?.sso_only_staff !== 1) await endStaffPasswordSessions(deps, input.breakGlassUserId!, 'sso_required');
  return input;
}

export async function ssoPolicy(deps: Pick<AppDeps, 'db'>): Promise<SsoPolicyDTO> {
  const firm = await findFirm(deps.db);
  return { ssoOnlyStaff: firm?.sso_only_staff === 1, breakGlassUserId: firm?.break_glass_user_id ?? null };
}
