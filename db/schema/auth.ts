import type { Generated, Insertable, Selectable } from 'kysely';
import type { UserKind } from '../../server/contracts/api.js';
import type { PortalRole, StaffRole } from '../../server/contracts/users.js';

// People, their sign-in (sessions, invitations, resets, recovery codes, throttling) and the audit trail.
// The `Database` interface in db/schema.ts names them; import them from there.

type UserStatus = 'invited' | 'active' | 'removed';

export interface UserTable {
  id: string;
  kind: UserKind;
  role: StaffRole | PortalRole;
  client_id: string | null;
  email: string;
  name: string;
  password_hash: string | null;
  status: UserStatus;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  /** AES-256-GCM box of the active TOTP secret (see auth/secret-box.ts); null = no MFA enrolled. */
  totp_secret_enc: string | null;
  /** The secret being enrolled, until a correct code activates it. */
  totp_pending_enc: string | null;
  /** The last accepted TOTP time step: a code is accepted once. */
  totp_last_step: number | null;
  avatar_file: string | null;
  /** JSON object of notification preferences. */
  notify_prefs: Generated<string>;
  invited_by: string | null;
  /**
   * A held invitation (see migration held-invitations): the address the inviter typed, which
   * belongs to another account; `email` is then a placeholder that never receives mail.
   */
  held_email: Generated<string | null>;
  /** Why the invitation was held: 'staff_account' | 'other_client' (shown to staff only). */
  held_reason: Generated<HeldReason | null>;
  /** How many passkeys the person registered (follows `passkeys` in the same transaction). */
  passkey_count: Generated<number>;
}

/** A WebAuthn credential (a passkey) a person registered. Ids and keys are base64url. */
export interface PasskeyTable {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  /** The authenticator's signature counter last seen (0 = it keeps none). */
  counter: number;
  /** JSON array of transports the browser reported (usb, nfc, ble, internal, hybrid). */
  transports: Generated<string>;
  /** 'singleDevice' | 'multiDevice' (synced). */
  device_type: string;
  /** 1: the credential is backed up (synced to a cloud account). */
  backed_up: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** A WebAuthn ceremony in flight: its challenge, single use, bound to a session or a sign-in cookie. */
export interface PasskeyChallengeTable {
  /** The session's id (registration, second factor), or the SHA-256 of the sign-in cookie (passwordless). */
  id: string;
  purpose: 'register' | 'mfa' | 'signin';
  /** base64url, as the browser echoes it in clientDataJSON. */
  challenge: string;
  session_id: string | null;
  user_id: string | null;
  expires_at: number;
}

export type HeldReason = 'staff_account' | 'other_client';

export interface SessionTable {
  id: string;
  secret_hash: Uint8Array;
  user_id: string;
  mfa_verified: number;
  created_at: number;
  last_active_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
  /** When the session sweep looks at it next: never after the moment it can end; 0 or less: at the next sweep (auth/revoke.ts). */
  check_at: Generated<number>;
  /** 1: a second factor was proven but the passkeys-only policy owes a passkey before this session counts as verified. */
  passkey_owed: Generated<number>;
}

/** Why a session ended without the person asking (kept a week): the next request with its cookie is told. */
export interface SessionEndingTable {
  session_id: string;
  secret_hash: Uint8Array;
  reason: string;
  ended_at: number;
}

/** When a session's page (route and object) was last recorded as viewed (the per-minute throttle). */
export interface PageViewMarkTable {
  session_id: string;
  page: string;
  at: number;
}

/** A session's page-view budget for its current hour, and the reports it did not record. */
export interface PageViewBudgetTable {
  session_id: string;
  window_start: number;
  recorded: Generated<number>;
  repeats: Generated<number>;
  over_cap: Generated<number>;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: number;
  actor_id: string | null;
  actor_email: string | null;
  client_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  outcome: string;
  details: string | null;
  /** 'staff', 'portal', 'anonymous' or 'system'; null on rows written before issue 15. */
  actor_kind: string | null;
  /** The HTTP request's or socket event's id. */
  request_id: string | null;
  /** 'server' (seen by the server) or 'browser' (a page view the SPA reported); null = server. */
  source: string | null;
  /** The previous row's hash (64 zeros for the first row ever): see server/audit/canonical.ts. */
  prev_hash: string;
  /** Lower-case hex SHA-256 of prev_hash + the canonical row, computed by the writer in the row's transaction. */
  hash: string;
}

/** A signed statement that the audit chain up to `last_id` ends in `hash` and holds `count` rows since genesis. */
export interface AuditCheckpointTable {
  id: Generated<number>;
  last_id: number;
  hash: string;
  count: number;
  at: number;
  /** Base64 Ed25519 signature over server/audit/canonical.ts `checkpointMessage`. */
  signature: string;
}

/** Holds its one row (id 1) only inside the retention prune's transaction: the triggers let audit rows be deleted then. */
export interface AuditPruneGateTable {
  id: number;
}

export interface InvitationTable {
  id: string;
  /** SHA-256 hex of the link's secret; the secret is only in the email. */
  token_hash: string;
  user_id: string;
  email: string;
  client_id: string | null;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  voided_at: number | null;
}

export interface PasswordResetTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A pending change of an active person's address, confirmed by a link sent to the new one. */
export interface EmailChangeTable {
  id: string;
  /** SHA-256 hex of the link's secret; the secret is only in the mail to the new address. */
  token_hash: string;
  user_id: string;
  old_email: string;
  new_email: string;
  requested_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  voided_at: number | null;
}
export type EmailChangeRow = Selectable<EmailChangeTable>;

export interface RecoveryCodeTable {
  id: Generated<number>;
  user_id: string;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

export interface AuthThrottleTable {
  key: string;
  failures: number;
  blocked_until: number;
  updated_at: number;
}

/** The one first-run setup code issued by an instance (hash only); deleted by setup (server/auth/setup.ts). */
export interface SetupCodeTable {
  /** Always 1: one code at most. */
  id: number;
  /** SHA-256 of the code, lower-case hex. */
  code_hash: string;
  issued_at: number;
  /** The issuing instance renews this while it runs; a code held by nobody is replaced at the next start. */
  held_until: number;
}

export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type InvitationRow = Selectable<InvitationTable>;

/** An OpenID Connect provider: the firm's (staff) or a client's own (its people). See migration sso. */
export interface SsoProviderTable {
  id: string;
  /** 'firm' or 'client:<clientId>': one provider each. */
  owner_key: string;
  client_id: string | null;
  /** What the sign-in button says ("Sign in with <label>"). */
  label: string;
  issuer: string;
  oidc_client_id: string;
  /** The client secret, sealed (auth/secret-box.ts, context `sso:<id>`); never sent back. */
  client_secret_enc: string;
  token_auth_method: Generated<'client_secret_basic' | 'client_secret_post'>;
  scopes: Generated<string>;
  /** The claim whose values map to a staff role (firm provider): e.g. `groups`. */
  role_claim: string | null;
  /** JSON {"admin": [values], "analyst": [values]}: a value in none of them means no access. */
  role_map: Generated<string>;
  /** 1: a verified address with no account gets one (staff: the mapped role; a client's: `jit_role`). */
  jit_enabled: Generated<number>;
  jit_role: string | null;
  /** 1: the provider's own MFA (amr/acr) satisfies the second factor; 0: Debrief's own is asked. */
  trust_provider_mfa: Generated<number>;
  /** A cap on an SSO session's life (minutes) where the provider does no back-channel logout; null = the usual. */
  session_max_minutes: number | null;
  /** Whether its discovery document said it sends back-channel logout (read when it was set). */
  backchannel_logout: number;
  enabled: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface SsoDomainTable {
  domain: string;
  provider_id: string;
}

export interface SsoIdentityTable {
  provider_id: string;
  sub: string;
  user_id: string;
  linked_via: 'email' | 'jit';
  created_at: number;
  last_login_at: number | null;
}

/** A sign-in in flight: keyed by the SHA-256 of the binding cookie, single use. */
export interface SsoLoginStateTable {
  id: string;
  provider_id: string;
  state: string;
  nonce: string;
  code_verifier: string;
  expires_at: number;
}

export interface SsoSessionTable {
  session_id: string;
  provider_id: string;
  sub: string;
  sid: string | null;
  /** The ID token, sealed: only ever sent back to the provider as id_token_hint at sign-out. */
  id_token_enc: string | null;
  created_at: number;
}

export interface SsoLogoutJtiTable {
  provider_id: string;
  jti: string;
  expires_at: number;
}
export type SsoProviderRow = Selectable<SsoProviderTable>;
