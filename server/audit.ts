import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { auditChainNext, insertAuditEvents } from './repositories/audit-events.js';
import { GENESIS, rowHash, type ChainedRow } from './audit/canonical.js';
import { lockAuditChain } from '../db/dialect.js';
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

type AuditActorKind = 'staff' | 'portal' | 'anonymous' | 'system';

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
 * with the change it describes; pass the db for attempts that change nothing else (a failed
 * login): the row is then written in a short transaction of its own.
 */
export async function writeAudit(db: Kysely<Database> | Transaction<Database>, ctx: AuditContext, entry: AuditEntry, at: number): Promise<void> {
  await writeAudits(db, [{ ctx, entry, at }]);
}

/**
 * Append several audit rows, in order, with one read of the chain's head (a batch of chat
 * messages in one group commit). Each row's hash covers the previous row's (server/audit/canonical.ts),
 * computed here inside the writing transaction after taking the chain's lock, so the chain never forks.
 */
export async function writeAudits(db: Kysely<Database> | Transaction<Database>, items: { ctx: AuditContext; entry: AuditEntry; at: number }[]): Promise<void> {
  await appendAuditRows(
    db,
    items.map(({ ctx, entry, at }) => ({
      at,
      actor_id: ctx.actorId ?? null,
      actor_email: ctx.actorEmail ?? null,
      actor_kind: ctx.actorKind ?? (ctx.actorId ? null : 'anonymous'),
      client_id: ctx.clientId ?? null,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      ip: ctx.ip ?? null,
      user_agent: ctx.userAgent?.slice(0, 512) ?? null,
      outcome: entry.outcome,
      request_id: ctx.requestId ?? null,
      source: ctx.source ?? 'server',
      details: entry.details ? JSON.stringify(entry.details) : null,
    })),
  );
}

/** An audit row's own fields: everything but its id and links, which the chain sets. */
export type UnchainedAuditRow = Omit<ChainedRow, 'id'>;

/**
 * Append rows to the chain, in order: the chain's lock, one read of its head, ids and hashes
 * (server/audit/canonical.ts) — inside the writing transaction, so the chain never forks.
 * `writeAudits` is the app's way in; tests and the bench seed rows of their own through it too.
 */
export async function appendAuditRows(db: Kysely<Database> | Transaction<Database>, fields: Partial<UnchainedAuditRow>[]): Promise<void> {
  if (!fields.length) return;
  if (!db.isTransaction) return db.transaction().execute((trx) => appendAuditRows(trx, fields));
  await lockAuditChain(db);
  const { head, ids } = await auditChainNext(db, fields.length);
  let prev = head?.hash ?? GENESIS;
  const rows = fields.map((f, i) => {
    const row: ChainedRow & { action: string; outcome: string } = {
      id: ids[i]!,
      at: f.at ?? Date.now(),
      actor_id: f.actor_id ?? null,
      actor_email: f.actor_email ?? null,
      actor_kind: f.actor_kind ?? null,
      client_id: f.client_id ?? null,
      action: f.action ?? 'unknown',
      target_type: f.target_type ?? null,
      target_id: f.target_id ?? null,
      ip: f.ip ?? null,
      user_agent: f.user_agent ?? null,
      outcome: f.outcome ?? 'success',
      request_id: f.request_id ?? null,
      source: f.source ?? null,
      details: f.details ?? null,
    };
    const hash = rowHash(prev, row);
    const chained = { ...row, prev_hash: prev, hash };
    prev = hash;
    return chained;
  });
  await insertAuditEvents(db, rows);
}
