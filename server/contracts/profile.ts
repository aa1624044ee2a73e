import { z } from 'zod';
import { email, newPassword, personName, type Role, type UserKind } from './api.js';

/** Request schemas and DTOs for the personal profile and password reset (shared with the browser). */

/** The mail a person can switch off. Every key defaults to on. */
const NOTIFY_KEYS = ['emailMentions', 'emailReplies', 'emailChat', 'emailRemediation', 'emailPublished'] as const;
export type NotifyKey = (typeof NOTIFY_KEYS)[number];
export type NotifyPrefs = Record<NotifyKey, boolean>;

const NotifyPrefsInput = z
  .object({
    emailMentions: z.boolean().optional(),
    emailReplies: z.boolean().optional(),
    emailChat: z.boolean().optional(),
    emailRemediation: z.boolean().optional(),
    emailPublished: z.boolean().optional(),
  })
  .strict();

/** Read `users.notify_prefs` (JSON): unknown keys dropped, anything absent or malformed counts as on. */
export function notifyPrefsFrom(json: string | null | undefined): NotifyPrefs {
  let raw: Record<string, unknown> = {};
  try {
    const v = JSON.parse(json ?? '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) raw = v as Record<string, unknown>;
  } catch {
    /* malformed: defaults */
  }
  return Object.fromEntries(NOTIFY_KEYS.map((k) => [k, raw[k] !== false])) as NotifyPrefs;
}

/** How often a person may get a notification mail, in minutes: every 15 minutes, hourly or daily. */
const MAIL_EVERY = [15, 60, 1440] as const;
export type MailEvery = (typeof MAIL_EVERY)[number];

/** The person's chosen mail window (kept in `users.notify_prefs` as `mailEvery`); null: the firm's NOTIFY_MAIL_MINUTES. */
export function mailEveryFrom(json: string | null | undefined): MailEvery | null {
  try {
    const v = (JSON.parse(json ?? '{}') as { mailEvery?: unknown } | null)?.mailEvery;
    return MAIL_EVERY.find((m) => m === v) ?? null;
  } catch {
    return null;
  }
}

const MailEveryInput = z.union([z.literal(15), z.literal(60), z.literal(1440), z.null()], {
  error: 'must be 15 (every 15 minutes), 60 (hourly), 1440 (daily) or null (the firm’s default)',
});

/** PATCH /profile. Email, role and kind are not self-editable, so they are unknown keys here. */
export const ProfileUpdateInput = z
  .object({ name: personName.optional(), notifyPrefs: NotifyPrefsInput.optional(), mailEvery: MailEveryInput.optional() })
  .strict();
export type ProfileUpdateInput = z.infer<typeof ProfileUpdateInput>;

/** POST /profile/password. */
export const PasswordChangeInput = z.object({ currentPassword: z.string().min(1, 'required').max(1024, 'too long'), newPassword }).strict();
export type PasswordChangeInput = z.infer<typeof PasswordChangeInput>;

/** POST /auth/password-reset. */
export const PasswordResetRequestInput = z.object({ email }).strict();
export type PasswordResetRequestInput = z.infer<typeof PasswordResetRequestInput>;

/** POST /auth/password-reset/confirm. */
export const PasswordResetConfirmInput = z.object({ token: z.string().max(128), password: newPassword }).strict();
export type PasswordResetConfirmInput = z.infer<typeof PasswordResetConfirmInput>;

/** The signed-in person's own profile. */
export interface ProfileDTO {
  id: string;
  name: string;
  email: string;
  kind: UserKind;
  role: Role;
  /** Same-origin URL of the processed avatar, or null when there is none. */
  avatarUrl: string | null;
  notifyPrefs: NotifyPrefs;
  /** At most one notification mail per this many minutes; null: the firm's default. */
  mailEvery: MailEvery | null;
}

/** One of the person's sessions. `id` is an opaque derived id, never the session id itself. */
export interface SessionInfoDTO {
  id: string;
  current: boolean;
  createdAt: number;
  lastActiveAt: number;
  ip: string | null;
  userAgent: string | null;
  /** e.g. "Firefox on Windows". */
  device: string;
}

/** GET /auth/password-reset/:token: whose link it is, masked (a***@example.com). */
export interface ResetLinkDTO {
  email: string;
}

/** The one answer to a reset request, whether or not the account exists. */
export const RESET_REQUESTED_MESSAGE = "If an account exists for that address, we've sent a link. It expires in 30 minutes.";
/** The one answer to an expired, used, tampered or unknown reset link. */
export const RESET_LINK_INVALID_MESSAGE = 'This reset link is invalid or has expired.';
