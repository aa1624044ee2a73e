import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { notFound } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import type { SecuritySettingsInput } from '../../contracts/auth.js';
import { findSecuritySettings, updateSecuritySettings as writeSecuritySettings } from '../../repositories/firm.js';
import type { CommandContext } from '../../context.js';

/**
 * Change the firm's security settings (admins only): the MFA
 * requirement for staff, whether analysts see every client, and the session timeouts. Only what
 * is sent changes. When analysts' scope may have narrowed, their open sockets are re-scoped.
 */
export async function updateSecuritySettings(deps: AppDeps, ctx: CommandContext, input: SecuritySettingsInput): Promise<void> {
  authorize(ctx.viewer.user, 'firm.manage');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const before = await findSecuritySettings(trx);
    if (!(await writeSecuritySettings(trx, input, now))) throw notFound();
    // What was sent, as it was and as it is now (timeouts and switches: nothing secret).
    const keys = Object.keys(input) as (keyof SecuritySettingsInput)[];
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
