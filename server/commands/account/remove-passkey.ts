import { accountOf } from '../../auth/access.js';
import { findFirm } from '../../repositories/firm.js';
import { guardBreakGlass } from '../../auth/sso.js';
import type { AppDeps, CommandContext } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { notFound } from '../../errors.js';
import type { PasskeyRemoveInput } from '../../contracts/passkeys.js';
import { deletePasskey } from '../../repositories/passkeys.js';
import { reauthenticate } from './reauthenticate.js';

/** Remove one of one's own passkeys, after one's password. Someone else's passkey is not found. */
export async function removePasskey(deps: AppDeps, ctx: CommandContext, passkeyId: string, input: PasskeyRemoveInput): Promise<void> {
  const v = ctx.viewer;
  const account = await accountOf(deps.db, v);
  await reauthenticate(deps, ctx.audit, account, input.password, 'passkey.removed');
  if (account.totp_secret_enc === null && account.passkey_count <= 1) guardBreakGlass(v.user.id, await findFirm(deps.db), 'removing their last second factor');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const gone = await deletePasskey(trx, v.user.id, passkeyId);
    if (!gone) throw notFound();
    await writeAudit(trx, ctx.audit, { action: 'passkey.removed', outcome: 'success', targetType: 'user', targetId: v.user.id, details: { passkeyId } }, now);
  });
}
