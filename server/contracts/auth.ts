import { z } from 'zod';
import { confirmFlag } from './confirmation.js';
import type { PasskeyDTO } from './passkeys.js';

/** Sign-in and multi-factor requests and answers, shared by the server and the browser. Strict: unknown keys are refused. */

/**
 * The email typed at sign-in. Deliberately not checked for email shape: "admin" or a typo must get
 * the same 401 as any unknown account, not a 400 that tells the two cases apart.
 */
const loginEmail = z.string().trim().toLowerCase().min(1, 'required').max(254, 'at most 254 characters');
/** A password being checked (not set): any length the hash accepts, but bounded. */
const currentPassword = z.string().min(1, 'required').max(1024, 'too long');
/** A 6-digit code; spaces (as some apps display "123 456") are ignored. */
const totpCode = z
  .string()
  .transform((s) => s.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'the 6-digit code from your authenticator app'));
const recoveryCode = z.string().trim().min(1, 'required').max(64, 'too long');

export const LoginInput = z.object({ email: loginEmail, password: currentPassword }).strict();
export type LoginInput = z.input<typeof LoginInput>;

/**
 * What the person still owes after the password: enrol a second factor, verify one, register a
 * passkey (a factor was proven but the passkeys-only policy asks for a passkey), or nothing.
 */
export type MfaStep = 'enrol' | 'verify' | 'passkey' | null;
/** A factor that can finish a sign-in. */
export type MfaMethod = 'passkey' | 'totp' | 'recovery_code';
export interface LoginResult {
  mfaStep: MfaStep;
  /** The factors accepted at this step (empty when nothing is owed). */
  mfaMethods: MfaMethod[];
}

export const MfaInput = z
  .object({ code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .strict()
  .refine((v) => (v.code === undefined) !== (v.recoveryCode === undefined), { message: 'Send either a code or a recovery code.' });
export type MfaInput = z.input<typeof MfaInput>;
export interface MfaResult {
  /** Unused recovery codes left, when a recovery code was used (so the person can regenerate in time). */
  recoveryCodesLeft: number | null;
  /** The passkeys-only policy: the factor was right, but a passkey must be added before the session is verified. */
  passkeyOwed: boolean;
}

/** Starting enrolment: during sign-in (nothing needed) or, for a signed-in person re-enrolling, their password. */
export const EnrolStartInput = z.object({ password: currentPassword.optional() }).strict();
export type EnrolStartInput = z.input<typeof EnrolStartInput>;
export interface EnrolStartResult {
  /** Base32, for typing into the app by hand. Shown only here. */
  secret: string;
  otpauthUrl: string;
  /** The otpauth URL as an SVG QR code (render it as an image, never as HTML). */
  qrSvg: string;
}

export const EnrolConfirmInput = z.object({ code: totpCode }).strict();
export type EnrolConfirmInput = z.input<typeof EnrolConfirmInput>;

/** Ten single-use codes, shown once. */
export interface RecoveryCodesResult {
  recoveryCodes: string[];
}

export const RegenerateRecoveryCodesInput = z.object({ password: currentPassword }).strict();
export type RegenerateRecoveryCodesInput = z.input<typeof RegenerateRecoveryCodesInput>;

export interface MfaStatusDTO {
  /** A second factor of any kind (an authenticator app or a passkey). */
  enrolled: boolean;
  /** An authenticator app (TOTP) is set up. */
  authenticatorApp: boolean;
  recoveryCodesLeft: number;
  /** Whether this account must use a second factor (portal users always; staff when the firm says so). */
  required: boolean;
  /** Whether this account's second factor must be a passkey (the firm's policy for staff, the client's for its people). */
  passkeysOnly: boolean;
  /** One's passkeys, newest first. */
  passkeys: PasskeyDTO[];
}

/** Firm-wide security settings; each field optional (only what is sent changes). Null timeouts = the configured default. */
export const SecuritySettingsInput = z
  .object({
    mfaRequiredForStaff: z.boolean(),
    /** Off: an analyst sees only the clients they are assigned to or on a project team of (admins see all). */
    analystsSeeAllClients: z.boolean(),
    sessionIdleMinutes: z.number().int().min(5, 'at least 5 minutes').max(1440, 'at most 1440 minutes (a day)').nullable(),
    sessionAbsoluteHours: z.number().int().min(1, 'at least 1 hour').max(720, 'at most 720 hours (30 days)').nullable(),
    /** On: a passkey alone (with user verification) may sign anyone in, without their password. */
    passwordlessSignIn: z.boolean(),
    /** On: staff must use a passkey as their second factor; those without one register one at their next sign-in. */
    staffPasskeysOnly: z.boolean(),
    /** Seen and confirmed the consequence a 409 `confirmation_required` described (staff MFA off, shorter timeouts). */
    confirm: confirmFlag,
  })
  .partial()
  .strict()
  .refine((o) => Object.keys(o).some((k) => k !== 'confirm'), 'Send at least one setting to change.');
export type SecuritySettingsInput = z.input<typeof SecuritySettingsInput>;
export interface SecuritySettingsDTO {
  mfaRequiredForStaff: boolean;
  analystsSeeAllClients: boolean;
  /** The firm's session timeouts (null = the server's configured default, shown in `defaults`); a client may override them. */
  sessionIdleMinutes: number | null;
  sessionAbsoluteHours: number | null;
  passwordlessSignIn: boolean;
  staffPasskeysOnly: boolean;
  defaults: { sessionIdleMinutes: number; sessionAbsoluteHours: number };
}

/** POST /admin/users/:id/mfa-reset: no body (an empty object at most). */
export const MfaResetInput = z.object({}).strict();
export type MfaResetInput = z.input<typeof MfaResetInput>;
