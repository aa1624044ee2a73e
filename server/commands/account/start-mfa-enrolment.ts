import { accountOf, clientOf } from '../../auth/access.js';
import { passkeysOnly } from '../../auth/passkeys.js';
import QRCode from 'qrcode';
import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { conflict, mfaRequired } from '../../errors.js';
import type { EnrolStartInput, EnrolStartResult } from '../../contracts/auth.js';
import { newTotpSecret, sealTotpSecret, totpUri } from '../../auth/totp.js';
import { findFirm } from '../../repositories/firm.js';
import { setPendingTotp } from '../../repositories/users.js';
import type { CommandContext } from '../../context.js';
import { reauthenticate } from './reauthenticate.js';

/**
 * Start enrolling an authenticator app: a new secret is kept (sealed) as pending until a code
 * confirms it. During sign-in only a person with nothing enrolled may start; a signed-in person
 * re-enrolling proves it is them with their password.
 */
export async function startMfaEnrolment(deps: AppDeps, ctx: CommandContext, input: EnrolStartInput): Promise<EnrolStartResult> {
  const v = ctx.viewer;
  if (!v.session.mfa_verified) {
    if (v.user.mfa_enrolled) throw mfaRequired();
  } else {
    await reauthenticate(deps, ctx.audit, await accountOf(deps.db, v), input.password, 'mfa.enrol_started');
  }
  const firm = await findFirm(deps.db);
  if (passkeysOnly(v.user.kind, firm, await clientOf(deps.db, v.user)))
    throw conflict('Your organisation requires a passkey as your second factor: add a passkey instead.');
  const secret = newTotpSecret();
  const otpauthUrl = totpUri(secret, firm?.name ?? 'Debrief', v.user.email);
  const qrSvg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await setPendingTotp(trx, v.user.id, sealTotpSecret(deps.config, v.user.id, secret), now);
    await writeAudit(trx, ctx.audit, { action: 'mfa.enrol_started', outcome: 'success', targetType: 'user', targetId: v.user.id }, now);
  });
  return { secret, otpauthUrl, qrSvg };
}
