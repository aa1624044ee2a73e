import {
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import type { LoginResult, MfaResult } from '$contracts/auth';
import type { PasskeyRegisteredDTO } from '$contracts/passkeys';
import { ApiError, call } from './http';

type F = typeof fetch;

/** Whether the firm lets a passkey alone sign someone in (the sign-in page offers the button). */
export const passwordlessAvailable = (fetch?: F) => call('GET /auth/passkey', { fetch });

/** Remove one of one's passkeys; needs the password. */
export const removePasskey = (id: string, password: string) => call('POST /profile/passkeys/:id/remove', { params: { id }, body: { password } });

/**
 * What the browser's own prompt said, as an ApiError the pages show like any other: a cancelled or
 * timed-out prompt (NotAllowedError) says so plainly; an authenticator that already holds a passkey
 * for this account (InvalidStateError) too.
 */
function ceremonyFailure(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const name = err instanceof Error ? err.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError')
    return new ApiError(0, 'bad_request', 'The passkey prompt was cancelled or timed out. Nothing changed; try again when you are ready.');
  if (name === 'InvalidStateError') return new ApiError(0, 'conflict', 'This device already holds a passkey for your account.');
  if (name === 'NotSupportedError' || name === 'SecurityError' || (err instanceof Error && /not supported/i.test(err.message)))
    return new ApiError(0, 'bad_request', 'This browser cannot use passkeys here. Try another browser or device.');
  return new ApiError(
    0,
    'internal_error',
    err instanceof Error && err.message ? `The passkey did not work: ${err.message}` : 'The passkey did not work. Try again.',
  );
}

/**
 * Run the browser's part, turning its failures into ApiErrors. The extension results are copied
 * into a plain record: the DOM's type for them has no index signature, the contract's record has.
 */
async function ceremony<T extends { clientExtensionResults: object }>(run: () => Promise<T>): Promise<T & { clientExtensionResults: Record<string, unknown> }> {
  try {
    const response = await run();
    const extensions: Record<string, unknown> = { ...response.clientExtensionResults };
    return { ...response, clientExtensionResults: extensions };
  } catch (err) {
    throw ceremonyFailure(err);
  }
}

/**
 * Add a passkey: options (with the password when signed in; nothing during sign-in), the browser's
 * prompt, then the server keeps it. During sign-in this also completes the sign-in.
 */
export async function addPasskey(name: string, password?: string): Promise<PasskeyRegisteredDTO> {
  const { options } = await call('POST /profile/passkeys/options', { body: password === undefined ? {} : { password } });
  const response = await ceremony(() => startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON }));
  return call('POST /profile/passkeys', { body: { name, response } });
}

/** The second factor by passkey. */
export async function verifyWithPasskey(): Promise<MfaResult> {
  const { options } = await call('POST /auth/passkey/mfa/options');
  const response = await ceremony(() => startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON }));
  return call('POST /auth/passkey/mfa', { body: { response } });
}

/** Sign in with a passkey alone (when the firm allows it). */
export async function signInWithPasskey(): Promise<LoginResult> {
  const { options } = await call('POST /auth/passkey/sign-in/options');
  const response = await ceremony(() => startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON }));
  return call('POST /auth/passkey/sign-in', { body: { response } });
}

/** A name to suggest for a new passkey: the kind of device this browser runs on. */
export function suggestedPasskeyName(): string {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua)) return 'iPad';
  if (/Android/.test(ua)) return 'Android phone';
  if (/Mac OS X/.test(ua)) return 'Mac';
  if (/Windows/.test(ua)) return 'Windows PC';
  if (/Linux/.test(ua)) return 'Linux computer';
  return 'My passkey';
}
