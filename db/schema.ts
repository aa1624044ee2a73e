import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** The database as Kysely sees it. Times are Unix milliseconds (UTC); booleans are 0/1. */
export interface Database {
  firm: FirmTable;
  clients: ClientTable;
  users: UserTable;
  sessions: SessionTable;
  audit_events: AuditEventTable;
}

export interface FirmTable {
  id: number;
  name: string;
  support_email: string | null;
  support_phone: string | null;
  mfa_required_for_staff: number;
  created_at: number;
  updated_at: number;
}

export interface ClientTable {
  id: string;
  name: string;
  portal_enabled: number;
  archived_at: number | null;
  created_at: number;
  updated_at: number;
}

export type UserKind = 'staff' | 'portal';
export type StaffRole = 'admin' | 'analyst';
export type PortalRole = 'viewer' | 'collaborator' | 'manager';
export type UserStatus = 'invited' | 'active' | 'removed';

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
}

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
}

export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type UserUpdate = Updateable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type ClientRow = Selectable<ClientTable>;
export type FirmRow = Selectable<FirmTable>;
