import { z } from 'zod';
import type { MfaMethod, MfaStep } from './auth.js';

/** Request schemas and response types shared by the server and the browser. Strict: unknown keys are refused. */

export const email = z.string().trim().toLowerCase().max(254, 'at most 254 characters').pipe(z.email('a valid email address'));
export const personName = z.string().trim().min(1, 'required').max(100, 'at most 100 characters');
/** Length and commonness are checked on the server (auth/password.ts) so the message can be specific. */
export const newPassword = z.string().max(1024, 'too long');

/**
 * The query of a paged list: `after` is the `next` cursor the previous page gave (opaque), `limit`
 * how many rows one page carries (at most `max`). Spread into a list's own strict query schema.
 */
export const pageFields = (max: number) => ({
  after: z.string().max(400).optional(),
  limit: z.coerce.number().int('must be a whole number').min(1, 'at least 1').max(max, `at most ${max}`).optional(),
});
/** A paged list's query when it takes nothing else. */
export const pageQuery = (max: number) => z.object(pageFields(max)).strict();
export type PageQuery = z.infer<ReturnType<typeof pageQuery>>;

export const SetupInput = z
  .object({
    code: z.string().trim().min(1, 'required').max(64),
    firmName: z.string().trim().min(1, 'required').max(100, 'at most 100 characters'),
    name: personName,
    email,
    password: newPassword,
  })
  .strict();
export type SetupInput = z.infer<typeof SetupInput>;

export type UserKind = 'staff' | 'portal';
export type Role = 'admin' | 'analyst' | 'viewer' | 'collaborator' | 'manager';

/** The signed-in person, as they see themselves. */
export interface SelfDTO {
  id: string;
  kind: UserKind;
  role: Role;
  clientId: string | null;
  email: string;
  name: string;
}

export interface FirmDTO {
  name: string;
  supportEmail: string | null;
  supportPhone: string | null;
}

export interface SessionDTO {
  user: SelfDTO;
  firm: FirmDTO;
  /** False while the second factor is still owed. */
  mfaVerified: boolean;
  /** What is owed when not verified: enrol a second factor first, verify one, or register a passkey (policy). */
  mfaStep: MfaStep;
  /** The factors accepted at that step (empty when nothing is owed). */
  mfaMethods: MfaMethod[];
  /** Portal users: which modules their organisation may use (a disabled one shows with a padlock). */
  modules: Record<'projects' | 'findings' | 'reports' | 'chat' | 'activity', boolean> | null;
  /** Whether the Audit page is theirs to read (admins; analysts when the firm allows it). */
  auditReadable: boolean;
  /** The session's idle timeout and how long before it the page warns (both in ms). */
  idle: { timeoutMs: number; warningMs: number };
}

/** POST /session/activity takes an empty object (anything else is refused, nothing recorded). */
export const SessionActivityInput = z.object({}).strict();

/** POST /session/activity ("Stay signed in"): recorded as activity now; the idle deadline is this far away. */
export interface SessionActivityDTO {
  idleRemainingMs: number;
}
