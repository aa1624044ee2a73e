import type { Kysely } from 'kysely';
import type { Database, NotificationKind } from '../../../db/schema.js';
import type { Module } from '../../contracts/workspace.js';
import { seesModule } from '../../policies/access.js';
import { insertNotifications, type NewNotification } from '../../repositories/notifications.js';
import { findClientState } from '../../repositories/clients.js';

type Db = Kysely<Database>;

/**
 * Who is told about what. These run inside the transaction of the change (publishing a finding
 * or a report), so the rows exist if and only if the change committed; the caller publishes
 * `notifications.created` with the returned ids after commit.
 */

/**
 * The module a notification belongs to: a portal user whose client switched it off is not told.
 * null: a staff-only kind, never delivered to a portal user.
 */
export const MODULE_OF_KIND: Record<NotificationKind, Module | null> = {
  mention: 'findings',
  reply: 'findings',
  remediation: 'findings',
  retest: 'findings',
  finding_published: 'findings',
  report_published: 'reports',
  chat: 'chat',
  invitation_held: null,
};

/** The firm's active administrators (they manage accounts). */
export async function firmAdmins(db: Db): Promise<{ id: string }[]> {
  return db.selectFrom('users').select('id').where('kind', '=', 'staff').where('role', '=', 'admin').where('status', '=', 'active').execute();
}

/** The client's active portal users, when its portal is on and `module` is enabled for it (else nobody). */
export async function portalAudienceOf(db: Db, clientId: string, module: Module): Promise<{ id: string }[]> {
  const client = await findClientState(db, clientId);
  if (!seesModule({ kind: 'portal', client_id: clientId }, client, module)) return [];
  return db.selectFrom('users').select('id').where('client_id', '=', clientId).where('kind', '=', 'portal').where('status', '=', 'active').execute();
}

/** Tell the client's portal users (Findings module on) that a finding was published to them. */
export async function notifyFindingPublished(trx: Db, f: { id: string; client_id: string; title: string }, actorId: string, now: number): Promise<number[]> {
  const people = await portalAudienceOf(trx, f.client_id, 'findings');
  const rows: NewNotification[] = people.map((u) => ({
    user_id: u.id,
    client_id: f.client_id,
    kind: 'finding_published',
    actor_id: actorId,
    finding_id: f.id,
    text: `New finding published: ${oneLine(f.title)}`,
    link: `/portal/findings/${f.id}`,
    created_at: now,
  }));
  return insertNotifications(trx, rows);
}

/** Tell the client's portal users (Reports module on) that a report was published to them. */
export async function notifyReportPublished(
  trx: Db,
  r: { client_id: string; title: string; version: number },
  actorId: string,
  now: number,
): Promise<number[]> {
  const people = await portalAudienceOf(trx, r.client_id, 'reports');
  const rows: NewNotification[] = people.map((u) => ({
    user_id: u.id,
    client_id: r.client_id,
    kind: 'report_published',
    actor_id: actorId,
    finding_id: null,
    text: `New report published: ${oneLine(r.title)} (version ${r.version})`,
    link: '/portal/reports',
    created_at: now,
  }));
  return insertNotifications(trx, rows);
}

/** Where a chat notification takes each kind of person. */
export const chatLink = (kind: 'staff' | 'portal', clientId: string) => (kind === 'portal' ? '/portal/chat' : `/staff/chat/${clientId}`);

/** A title on one line and of bounded length (notification text and mail subjects). */
export function oneLine(s: string, max = 140): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
