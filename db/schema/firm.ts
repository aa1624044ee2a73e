import type { Generated, Selectable } from 'kysely';

// The firm and its clients, the firm's brand and portal messages, and the mail outbox.
// The `Database` interface in db/schema.ts names them; import them from there.

export interface FirmTable {
  id: number;
  name: string;
  support_email: string | null;
  support_phone: string | null;
  mfa_required_for_staff: number;
  session_idle_minutes: number | null;
  session_absolute_hours: number | null;
  /** The highest event-log position pruned; a cursor below it must resync. */
  event_floor: Generated<number>;
  /** JSON {critical, high, medium, low}: remediation target in days per severity. */
  remediation_days: Generated<string>;
  /** 1: analysts see every client; 0: only the clients they are assigned to or on a project team of. */
  analysts_see_all_clients: Generated<number>;
  /** Days audit rows are kept (at least 30); null = forever. Default 400. */
  audit_retention_days: Generated<number | null>;
  /** 1: analysts may read the Audit page (read-only); 0: admins only. */
  analysts_read_audit: Generated<number>;
  /** 1: a passkey alone (user verification required) may sign a person in, without their password. */
  passwordless_sign_in: Generated<number>;
  /** 1: staff must use a passkey as their second factor (recovery codes still work). */
  staff_passkeys_only: Generated<number>;
  /** 1: staff sign in only through the firm's SSO provider, but the break-glass admin (password and MFA). */
  sso_only_staff: Generated<number>;
  break_glass_user_id: Generated<string | null>;
  created_at: number;
  updated_at: number;
}

export interface ClientTable {
  id: string;
  name: string;
  portal_enabled: number;
  archived_at: number | null;
  /** JSON array of CIDR ranges; empty = any address. */
  ip_allowlist: Generated<string>;
  session_idle_minutes: number | null;
  session_absolute_hours: number | null;
  /** JSON {projects, findings, reports, chat, activity}: booleans, the modules this client's users may open. */
  modules: Generated<string>;
  /** JSON {cvss, technicalDetails, references, evidence}: booleans, the finding fields this client's users see. */
  visible_fields: Generated<string>;
  /** 1: this client's portal users must use a passkey as their second factor (recovery codes still work). */
  passkeys_only: Generated<number>;
  created_at: number;
  updated_at: number;
}

/** `sending`: claimed by one mailer until `lease_until` (see server/services/mailer.ts). */
type MailStatus = 'pending' | 'sending' | 'sent' | 'stored' | 'failed';

export interface MailOutboxTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  text_body: string;
  /** What the mail is for (invitation, password_reset, …), for the admin's outbox view. */
  kind: string;
  status: MailStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  created_at: number;
  sent_at: number | null;
  /** While `sending`: until when the mailer that claimed it holds it; past that, it is pending again. */
  lease_until: number | null;
  /** The HTML part (branded, every value escaped), or null for a text-only mail. */
  html_body: Generated<string | null>;
  /** The stored logo file (`brand/<sha256>.png`) the HTML part shows inline (cid:logo), or null. */
  logo_file: Generated<string | null>;
  /** The From display name (the firm's name when queued), or null for the configured From. */
  from_name: Generated<string | null>;
}

/** The firm's saved brand: one row (id 1); none = the default look. */
export interface BrandTable {
  id: number;
  /** `#rrggbb` */
  primary_colour: string;
  /** `#rrggbb` */
  accent_colour: string;
  /** `brand_images.id` of the logo on light backgrounds, or null. */
  logo_light: string | null;
  /** `brand_images.id` of the logo on dark backgrounds, or null. */
  logo_dark: string | null;
  /** `brand_images.id` of the favicon, or null. */
  favicon: string | null;
  updated_at: number;
}

/** A processed brand upload (logo or favicon): two PNG sizes, named by the 1× file's SHA-256. */
export interface BrandImageTable {
  id: string;
  kind: 'logo' | 'favicon';
  /** `brand/<sha256>.png` */
  file_1x: string;
  file_2x: string;
  /** Size of the 1× image in pixels. */
  width: number;
  height: number;
  created_at: number;
}

export type BrandRow = Selectable<BrandTable>;
export type BrandImageRow = Selectable<BrandImageTable>;

/** One message the firm wrote for its client portal (a key without a row shows its default). */
export interface FirmMessageTable {
  key: string;
  body: string;
  updated_at: number;
}

export type ClientRow = Selectable<ClientTable>;
export type FirmRow = Selectable<FirmTable>;
export type MailRow = Selectable<MailOutboxTable>;

/** The row `/readyz` upserts to prove the database takes writes (server/readiness.ts): `id` is always 1. */
export interface ReadinessProbeTable {
  id: number;
  probed_at: number;
}
