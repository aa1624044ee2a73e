import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { insertAuditEvent } from './repositories/audit-events.js';
import type { AuditAction } from './contracts/audit-actions.js';

/** Who did it and from where: taken from the request (or socket) by the caller. */
export interface AuditContext {
  actorId?: string | null;
  actorEmail?: string | null;
  clientId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** 'staff', 'portal', 'anonymous' (no session: a sign-in attempt, a public link) or 'system' (a job). */
  actorKind?: AuditActorKind | null;
  /** The HTTP request's id, or a socket event's. */
  requestId?: string | null;
  /** 'browser' for what the SPA reported (page views); otherwise the server saw it: 'server'. */
  source?: 'server' | 'browser';
}

export type AuditActorKind = 'staff' | 'portal' | 'anonymous' | 'system';

export interface AuditEntry {
  /** One of the catalogue's names (`contracts/audit-actions.ts`). */
  action: AuditAction;
  outcome: 'success' | 'failure' | 'denied';
  targetType?: string;
  targetId?: string;
  /** Extra facts; never a password, token, code or file content. */
  details?: Record<string, unknown>;
}

/**
 * Append one audit row. Pass the command's transaction so the row commits (or rolls back)
 * with the change it describes; pass the db for attempts that change nothing else (a failed login).
 */
export async function writeAudit(db: Kysely<Database> | Transaction<Database>, ctx: AuditContext, entry: AuditEntry, at: number): Promise<void> {
  await insertAuditEvent(db, {
    at,
    actor_id: ctx.actorId ?? null,
    actor_email: ctx.actorEmail ?? null,
    client_id: ctx.clientId ?? null,
    action: entry.action,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId ?? null,
    ip: ctx.ip ?? null,
    user_agent: ctx.userAgent?.slice(0, 512) ?? null,
    outcome: entry.outcome,
    details: entry.details ? JSON.stringify(entry.details) : null,
    actor_kind: ctx.actorKind ?? (ctx.actorId ? null : 'anonymous'),
    request_id: ctx.requestId ?? null,
    source: ctx.source ?? 'server',
  });
}
