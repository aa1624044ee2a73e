import { accountOf } from '../../auth/access.js';
import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { conflict } from '../../errors.js';
import type { RecoveryCodesResult, RegenerateRecoveryCodesInput } from '../../contracts/auth.js';
import { replaceRecoveryCodes } from '../../auth/recovery-codes.js';
import type { CommandContext } from '../../context.js';
import { reauthenticate } from './reauthenticate.js';

/** Ten new recovery codes after re-authentication; the old ones stop working. */
export async function regenerateRecoveryCodes(deps: AppDeps, ctx: CommandContext, input: RegenerateRecoveryCodesInput): Promise<RecoveryCodesResult> {
  const v = ctx.viewer;
  if (!v.user.mfa_enrolled) throw conflict('Set up an authenticator app first.');
  await reauthenticate(deps, ctx.audit, await accountOf(deps.db, v), input.password, 'mfa.recovery_codes_regenerated');
  const now = deps.clock();
  const recoveryCodes = await deps.db.transaction().execute(async (trx) => {
    const codes = await replaceRecoveryCodes(trx, v.user.id, now);
    await writeAudit(trx, ctx.audit, { action: 'mfa.recovery_codes_regenerated', outcome: 'success', targetType: 'user', targetId: v.user.id }, now);
    return codes;
  });
  return { recoveryCodes };
}
