import type { Kysely, Transaction } from 'kysely';
import type { Database, UserRow } from '../../../db/schema.js';
import { dialectOf } from '../../../db/client.js';
import { conflict, notFound } from '../../errors.js';
import type { Action, Resource } from '../../policies/index.js';
import { isArchived } from '../../policies/access.js';

/**
 * A set of accounts managed together: the firm's staff, or the portal users of one client.
 * Every member command works on one directory, so staff admins and client Managers share the
 * same code and a member outside the directory simply does not exist (404).
 */
export type Directory = { kind: 'staff' } | { kind: 'portal'; clientId: string };

type DbOrTrx = Kysely<Database> | Transaction<Database>;

/** The policy action and resource for reading or changing a directory. */
export function policyFor(dir: Directory, op: 'list' | 'manage'): { action: Action; resource?: Resource } {
  if (dir.kind === 'staff') return { action: 'staff.manage' };
  return { action: op === 'list' ? 'portalUser.list' : 'portalUser.manage', resource: { type: 'clientUsers', clientId: dir.clientId } };
}

/** Ranks within a kind: lowering a role ends that person's sessions. */
const RANK: Record<UserRow['role'], number> = { viewer: 1, collaborator: 2, manager: 3, analyst: 1, admin: 2 };

/** Whether moving from `from` to `to` lowers someone's privileges. */
export function isLowering(from: UserRow['role'], to: UserRow['role']): boolean {
  return RANK[to] < RANK[from];
}

/** A member of the directory, or 404: an id from another client (or a staff id asked as a portal user) is unknown. */
export async function findMember(db: DbOrTrx, dir: Directory, userId: string): Promise<UserRow> {
  let q = db.selectFrom('users').selectAll().where('id', '=', userId).where('kind', '=', dir.kind);
  if (dir.kind === 'portal') q = q.where('client_id', '=', dir.clientId);
  const row = await q.executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

/** The client a portal directory belongs to; 404 when unknown, 409 when archived (nobody can be added or changed). */
export async function openClient(db: DbOrTrx, dir: Directory): Promise<{ id: string; name: string } | null> {
  if (dir.kind === 'staff') return null;
  const client = await db.selectFrom('clients').select(['id', 'name', 'archived_at']).where('id', '=', dir.clientId).executeTakeFirst();
  if (!client) throw notFound();
  if (isArchived(client)) throw conflict('This client is archived: nobody can be added to it or changed.');
  return { id: client.id, name: client.name };
}

/**
 * Staff only: the firm must keep an active administrator. Refuses when `target` is the last
 * active admin and is about to be removed or demoted. Call it in the change's transaction: on
 * PostgreSQL the active admins are locked while it counts, so two admins removing each other at
 * once are judged one after the other (the second finds no other admin left) — SQLite's one
 * connection does that by itself.
 */
export async function assertNotLastAdmin(db: DbOrTrx, target: UserRow): Promise<void> {
  if (target.kind !== 'staff' || target.role !== 'admin' || target.status !== 'active') return;
  const admins = await db
    .selectFrom('users')
    .select('id')
    .where('kind', '=', 'staff')
    .where('role', '=', 'admin')
    .where('status', '=', 'active')
    .orderBy('id') // every caller locks them in the same order, whatever plan PostgreSQL picks
    .$if(dialectOf(db) === 'postgres', (q) => q.forNoKeyUpdate()) // rows that reference an admin are not held up
    .execute();
  if (!admins.some((a) => a.id !== target.id)) throw conflict('The firm must keep at least one active administrator.');
}
