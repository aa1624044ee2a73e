import { z } from 'zod';

/**
 * Passkeys (WebAuthn): registering, listing and removing one's own, and using one as the second
 * factor or (when the firm allows it) to sign in without a password. Shared by the server and the
 * browser; the browser part of each ceremony is @simplewebauthn/browser's.
 */

const b64url = (max: number) =>
  z
    .string()
    .max(max, 'too long')
    .regex(/^[A-Za-z0-9_-]*$/, 'base64url');
const currentPassword = z.string().min(1, 'required').max(1024, 'too long');

/** A credential as @simplewebauthn/browser encodes what `navigator.credentials` gave back, with its own `response`. */
const credential = <R extends z.ZodRawShape>(response: R) =>
  z.object({
    id: b64url(1400).min(1),
    rawId: b64url(1400).min(1),
    type: z.literal('public-key'),
    response: z.object(response),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  });

/** What a browser's `navigator.credentials.create()` gave back. */
const RegistrationResponse = credential({
  clientDataJSON: b64url(8_000).min(1),
  attestationObject: b64url(64_000).min(1),
  transports: z
    .array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']))
    .max(8)
    .optional(),
  publicKeyAlgorithm: z.number().int().optional(),
  publicKey: b64url(8_000).optional(),
  authenticatorData: b64url(64_000).optional(),
});

/** What a browser's `navigator.credentials.get()` gave back. */
const AuthenticationResponse = credential({
  clientDataJSON: b64url(8_000).min(1),
  authenticatorData: b64url(64_000).min(1),
  signature: b64url(2_000).min(1),
  userHandle: b64url(200).optional(),
});

/** Start registering a passkey: during sign-in (nothing needed) or, signed in, with one's password. */
export const PasskeyRegisterStartInput = z.object({ password: currentPassword.optional() }).strict();
export type PasskeyRegisterStartInput = z.input<typeof PasskeyRegisterStartInput>;

export const PasskeyRegisterFinishInput = z
  .object({
    name: z.string().trim().min(1, 'required').max(60, 'at most 60 characters'),
    response: RegistrationResponse,
  })
  .strict();
export type PasskeyRegisterFinishInput = z.input<typeof PasskeyRegisterFinishInput>;

export const PasskeyAssertionInput = z.object({ response: AuthenticationResponse }).strict();
export type PasskeyAssertionInput = z.input<typeof PasskeyAssertionInput>;

/** Removing a passkey: one's password. */
export const PasskeyRemoveInput = z.object({ password: currentPassword }).strict();
export type PasskeyRemoveInput = z.input<typeof PasskeyRemoveInput>;

/** The options a ceremony's browser part takes (WebAuthn's JSON form, passed to @simplewebauthn/browser as is). */
export interface PasskeyOptionsDTO {
  options: Record<string, unknown>;
}

export interface PasskeyDTO {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** Synced to a cloud account (a multi-device passkey), as the authenticator said. */
  backedUp: boolean;
}

/** A registration done: the passkey, and recovery codes when it was the person's first factor (shown once). */
export interface PasskeyRegisteredDTO {
  passkey: PasskeyDTO;
  recoveryCodes: string[] | null;
}
