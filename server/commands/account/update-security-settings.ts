import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { notFound } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import type { SecuritySettingsInput } from '../../contracts/auth.js';
import { recheckSessions } from '../../repositories/sessions.js';
import { findSecuritySettings, updateSecuritySettings as writeSecuritySettings } from '../../repositories/firm.js';
import type { CommandContext } from '../../context.js';
import { requireConfirmation } from '../../confirmation.js';
import { firmSessionsEndConsequence, staffMfaOffConsequence } from '../../queries/consequences.js';

/**
 * Change the firm's security settings (admins only): the MFA
 * requirement for staff, whether analysts see every client, and the session timeouts. Only what
 * is sent changes. When analysts' scope may have narrowed, their open sockets are re-scoped.
 * Turning staff MFA off, or timeouts that end live sessions, need `confirm: true`.
 */
export async function updateSecuritySettings(deps: AppDeps, ctx: CommandContext, { confirm, ...input }: SecuritySettingsInput): Promise<void> {
  authorize(ctx.viewer.user, 'firm.manage');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const before = await findSecuritySettings(trx);
    const shorter = input.sessionIdleMinutes !== undefined || input.sessionAbsoluteHours !== undefined;
    const timeouts = {
      idleMinutes: input.sessionIdleMinutes === undefined ? before.sessionIdleMinutes : input.sessionIdleMinutes,
      absoluteHours: input.sessionAbsoluteHours === undefined ? before.sessionAbsoluteHours : input.sessionAbsoluteHours,
    };
    const defaults = { idleMs: deps.config.sessionIdleMs, absoluteMs: deps.config.sessionAbsoluteMs };
    requireConfirmation(confirm, [
      before.mfaRequiredForStaff && input.mfaRequiredForStaff === false ? await staffMfaOffConsequence(trx) : null,
      shorter ? await firmSessionsEndConsequence(trx, timeouts, defaults, now) : null,
    ]);
    if (!(await writeSecuritySettings(trx, input, now))) throw notFound();
    if (shorter) await recheckSessions(trx); // the sweep judges every session by the new timeouts
    // What was sent, as it was and as it is now (timeouts and switches: nothing secret).
    const keys = Object.keys(input) as (keyof typeof input)[];
    const was = Object.fromEntries(keys.map((k) => [k, before[k]]));
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'firm.security_updated', outcome: 'success', targetType: 'firm', targetId: '1', details: { before: was, after: input } },
      now,
    );
  });
  if (input.analystsSeeAllClients !== undefined) deps.bus.publish('scope.changed', {});
}
