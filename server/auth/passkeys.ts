import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import type { ClientRow, FirmRow, UserRow } from '../../db/schema.js';
import type { Config } from '../config.js';
import type { MfaMethod } from '../contracts/auth.js';
import type { PasskeyDTO } from '../contracts/passkeys.js';
import type { PasskeyRow } from '../repositories/passkeys.js';

/**
 * The rules of passkeys (WebAuthn, through @simplewebauthn/server): who must use one, which factors
 * finish a sign-in, and the ceremonies' options and checks. The relying party is PUBLIC_URL: its
 * host is the RP id and its origin the only origin accepted. User verification is always required
 * (a passkey is then both factors at once); attestation is not asked (no device list to trust).
 */

/** How long a ceremony's challenge lives (the browser's own timeout is the same). */
export const CHALLENGE_MS = 5 * 60_000;
/** The most passkeys one person may keep. */
export const MAX_PASSKEYS = 20;

function relyingParty(config: Pick<Config, 'publicUrl'>): { rpID: string; origin: string } {
  const url = new URL(config.publicUrl);
  return { rpID: url.hostname, origin: url.origin };
}

/** Whether this person must use a passkey as their second factor: staff when the firm says so, a client's people when their client does. */
export function passkeysOnly(
  kind: UserRow['kind'],
  firm: Pick<FirmRow, 'staff_passkeys_only'> | undefined,
  client: Pick<ClientRow, 'passkeys_only'> | undefined,
): boolean {
  return kind === 'staff' ? firm?.staff_passkeys_only === 1 : client?.passkeys_only === 1;
}

/**
 * The factors that finish this person's sign-in now. Enrolled: their passkeys, their authenticator
 * app (unless the passkeys-only policy applies and they have a passkey) and recovery codes. Not
 * enrolled (step `enrol`): a passkey, or an authenticator app when the policy allows one.
 * Owed a passkey (step `passkey`): registering one.
 */
export function mfaMethods(person: { totp: boolean; passkeys: number }, only: boolean, step: 'enrol' | 'verify' | 'passkey' | null): MfaMethod[] {
  if (step === null) return [];
  if (step === 'passkey') return ['passkey'];
  if (step === 'enrol') return only ? ['passkey'] : ['passkey', 'totp'];
  const methods: MfaMethod[] = [];
  if (person.passkeys > 0) methods.push('passkey');
  if (person.totp && !(only && person.passkeys > 0)) methods.push('totp');
  methods.push('recovery_code');
  return methods;
}

export function presentPasskey(p: PasskeyRow): PasskeyDTO {
  return { id: p.id, name: p.name, createdAt: p.created_at, lastUsedAt: p.last_used_at, backedUp: p.backed_up === 1 };
}

const transportsOf = (p: PasskeyRow): AuthenticatorTransportFuture[] => JSON.parse(p.transports) as AuthenticatorTransportFuture[];

/** Options to register a new passkey for a person (their existing ones excluded, so one authenticator is not added twice). */
export function registrationOptions(config: Pick<Config, 'publicUrl'>, firmName: string, user: Pick<UserRow, 'id' | 'email' | 'name'>, existing: PasskeyRow[]) {
  return generateRegistrationOptions({
    rpName: firmName,
    rpID: relyingParty(config).rpID,
    userName: user.email,
    userDisplayName: user.name,
    userID: isoUint8Array.fromUTF8String(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    timeout: CHALLENGE_MS,
  });
}

/** Options to use a passkey: one of `allowed` (the second factor), or any discoverable one (passwordless: none given). */
export function authenticationOptions(config: Pick<Config, 'publicUrl'>, allowed: PasskeyRow[] | null) {
  return generateAuthenticationOptions({
    rpID: relyingParty(config).rpID,
    allowCredentials: allowed?.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
    userVerification: 'required',
    timeout: CHALLENGE_MS,
  });
}

/** What every answer must show: this challenge, from PUBLIC_URL's origin, for its host, with the user verified. */
function expected(config: Pick<Config, 'publicUrl'>, challenge: string) {
  const { rpID, origin } = relyingParty(config);
  return { expectedChallenge: challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true };
}

/** A verified registration: what to keep of the new credential; null when the response does not hold. */
export async function checkRegistration(config: Pick<Config, 'publicUrl'>, response: unknown, challenge: string) {
  try {
    const v = await verifyRegistrationResponse({ response: response as RegistrationResponseJSON, ...expected(config, challenge) });
    if (!v.verified) return null;
    const { credential, credentialDeviceType, credentialBackedUp } = v.registrationInfo;
    return {
      credentialId: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports ?? [],
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
    };
  } catch {
    return null;
  }
}

export type AssertionCheck = { ok: true; newCounter: number; backedUp: boolean } | { ok: false; reason: 'invalid_response' | 'cloned_authenticator' };

/**
 * Check an assertion against the stored passkey and the challenge. A signature counter that did not
 * move past the stored one (when either is non-zero) is WebAuthn's cloned-authenticator signal.
 */
export async function checkAssertion(config: Pick<Config, 'publicUrl'>, response: unknown, challenge: string, passkey: PasskeyRow): Promise<AssertionCheck> {
  try {
    const v = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      ...expected(config, challenge),
      credential: {
        id: passkey.credential_id,
        publicKey: isoBase64URL.toBuffer(passkey.public_key),
        counter: passkey.counter,
        transports: transportsOf(passkey),
      },
    });
    if (!v.verified) return { ok: false, reason: 'invalid_response' };
    return { ok: true, newCounter: v.authenticationInfo.newCounter, backedUp: v.authenticationInfo.credentialBackedUp };
  } catch (err) {
    return { ok: false, reason: err instanceof Error && /counter value/i.test(err.message) ? 'cloned_authenticator' : 'invalid_response' };
  }
}
