import { accountOf } from '../../auth/access.js';
import type { AppDeps, CommandContext } from '../../context.js';
import { writeAudit, type AuditEntry } from '../../audit.js';
import { conflict, mfaRequired, validationFailed } from '../../errors.js';
import type { PasskeyOptionsDTO, PasskeyRegisteredDTO, PasskeyRegisterFinishInput, PasskeyRegisterStartInput } from '../../contracts/passkeys.js';
import { checkRegistration, MAX_PASSKEYS, presentPasskey, registrationOptions } from '../../auth/passkeys.js';
import { replaceRecoveryCodes } from '../../auth/recovery-codes.js';
import { endSessions } from '../../auth/revoke.js';
import { randomToken } from '../../auth/tokens.js';
import { issueSession, type IssuedSession } from '../../auth/sign-in.js';
import { findFirmName } from '../../repositories/firm.js';
import { findPasskeyByCredential, insertPasskey, listPasskeys, takeChallenge } from '../../repositories/passkeys.js';
import { markSignedIn } from '../../repositories/users.js';
import { reauthenticate } from './reauthenticate.js';
import { askInSession } from './use-passkey.js';

/**
 * Registering a passkey. Signed in, a person proves it is them with their password first (a stolen
 * session must not be able to plant a lasting credential). During sign-in a session may register
 * one only as a first factor (nothing enrolled yet) or when the passkeys-only policy owes one after
 * the person proved their other factor; finishing then completes the sign-in.
 */
function mayRegister(ctx: CommandContext): void {
  const v = ctx.viewer;
  if (!v.session.mfa_verified && v.user.mfa_enrolled && !v.session.passkey_owed) throw mfaRequired();
}

/** Step 1: the options for the browser's `navigator.credentials.create()`, with a challenge bound to this session. */
export async function startPasskeyRegistration(deps: AppDeps, ctx: CommandContext, input: PasskeyRegisterStartInput): Promise<PasskeyOptionsDTO> {
  mayRegister(ctx);
  const v = ctx.viewer;
  if (v.session.mfa_verified) await reauthenticate(deps, ctx.audit, await accountOf(deps.db, v), input.password, 'passkey.registered');
  const existing = await listPasskeys(deps.db, v.user.id);
  if (existing.length >= MAX_PASSKEYS) throw conflict(`You have ${MAX_PASSKEYS} passkeys, the most one person may keep. Remove one first.`);
  return askInSession(deps, ctx, 'register', await registrationOptions(deps.config, (await findFirmName(deps.db)) ?? 'Debrief', v.user, existing));
}

/**
 * Step 2: the browser's answer. Checked against this session's challenge (used once, whatever the
 * outcome), kept with its counter and backup flags, audited. A first factor brings ten recovery
 * codes; during sign-in this browser gets a new, verified session.
 */
export async function finishPasskeyRegistration(
  deps: AppDeps,
  ctx: CommandContext,
  input: PasskeyRegisterFinishInput,
): Promise<{ result: PasskeyRegisteredDTO; session: IssuedSession | null }> {
  mayRegister(ctx);
  const v = ctx.viewer;
  const now = deps.clock();
  const audit = (entry: Omit<AuditEntry, 'action'>) =>
    writeAudit(deps.db, ctx.audit, { action: 'passkey.registered', targetType: 'user', targetId: v.user.id, ...entry }, now);
  const challenge = await takeChallenge(deps.db, v.session.id, 'register', now);
  if (!challenge || challenge.user_id !== v.user.id) {
    await audit({ outcome: 'failure', details: { reason: 'no_challenge' } });
    throw conflict('That took too long or was already used. Start adding the passkey again.');
  }
  const credential = await checkRegistration(deps.config, input.response, challenge.challenge);
  if (!credential) {
    await audit({ outcome: 'failure', details: { reason: 'invalid_response' } });
    throw validationFailed('response: The passkey could not be verified. Try again.', [
      { path: 'response', message: 'The passkey could not be verified. Try again.' },
    ]);
  }
  if (await findPasskeyByCredential(deps.db, credential.credentialId)) {
    await audit({ outcome: 'failure', details: { reason: 'already_registered' } });
    throw conflict('That passkey is already registered.');
  }
  const firstFactor = !v.user.mfa_enrolled;
  const id = randomToken(15);
  const recoveryCodes = await deps.db.transaction().execute(async (trx) => {
    await insertPasskey(trx, {
      id,
      user_id: v.user.id,
      credential_id: credential.credentialId,
      public_key: credential.publicKey,
      counter: credential.counter,
      transports: JSON.stringify(credential.transports),
      device_type: credential.deviceType,
      backed_up: credential.backedUp ? 1 : 0,
      name: input.name.trim(),
      created_at: now,
      last_used_at: null,
    });
    const codes = firstFactor ? await replaceRecoveryCodes(trx, v.user.id, now) : null;
    await writeAudit(
      trx,
      ctx.audit,
      {
        action: 'passkey.registered',
        outcome: 'success',
        targetType: 'user',
        targetId: v.user.id,
        details: { passkeyId: id, backedUp: credential.backedUp, deviceType: credential.deviceType, firstFactor },
      },
      now,
    );
    return codes;
  });
  let session: IssuedSession | null = null;
  if (!v.session.mfa_verified) {
    await endSessions(deps, [v.session.id], null);
    session = await issueSession(deps, v.user, true, ctx.audit);
    await markSignedIn(deps.db, v.user.id, now);
  }
  const [row] = (await listPasskeys(deps.db, v.user.id)).filter((p) => p.id === id);
  return { result: { passkey: presentPasskey(row!), recoveryCodes }, session };
}
