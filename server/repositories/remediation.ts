import type { Kysely } from 'kysely';
import type { AttachmentRow, Database, RemediationRoundRow, RetestRequestRow } from '../../db/schema.js';
import { parseRemediationDays, type RemediationDays } from '../services/deadlines.js';
import { reachesSql, type Person as Viewing } from '../policies/access.js';
import { keysetPage } from './keyset.js';
import { lockRow } from '../../db/dialect.js';

type Db = Kysely<Database>;

/** Remediation reads: rounds with their people, attachments, retest requests, recipients, the queue. */

/** Someone named on a round or request; `org` is a client user's organisation (null for staff). */
type Person = { id: string; name: string; kind: 'staff' | 'portal'; org: string | null };
export type RoundWithPeople = RemediationRoundRow & { submitter: Person; judge: Person | null };

/** The firm's remediation targets (days per severity). */
export async function remediationDays(db: Db): Promise<RemediationDays> {
  const row = await db.selectFrom('firm').select('remediation_days').executeTakeFirst();
  return parseRemediationDays(row?.remediation_days);
}

async function people(db: Db, ids: string[]): Promise<Map<string, Person>> {
  const uniq = [...new Set(ids.filter(Boolean))];
  if (!uniq.length) return new Map();
  const rows = await db
    .selectFrom('users')
    .leftJoin('clients', 'clients.id', 'users.client_id')
    .select(['users.id', 'users.name', 'users.kind', 'clients.name as org'])
    .where('users.id', 'in', uniq)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** A finding's rounds, oldest first, with who submitted and who judged. */
export async function roundsOf(db: Db, findingId: string): Promise<RoundWithPeople[]> {
  const rows = await db.selectFrom('remediation_rounds').selectAll().where('finding_id', '=', findingId).orderBy('round_no').execute();
  const who = await people(
    db,
    rows.flatMap((r) => [r.submitted_by, r.verdict_by ?? '']),
  );
  const unknown = (id: string): Person => ({ id, name: 'Former user', kind: 'portal', org: null });
  return rows.map((r) => ({
    ...r,
    submitter: who.get(r.submitted_by) ?? unknown(r.submitted_by),
    judge: r.verdict_by ? (who.get(r.verdict_by) ?? unknown(r.verdict_by)) : null,
  }));
}

/** The round waiting for a verdict, if any. */
export function openRound(db: Db, findingId: string): Promise<RemediationRoundRow | undefined> {
  return db
    .selectFrom('remediation_rounds')
    .selectAll()
    .where('finding_id', '=', findingId)
    .where('verdict', 'is', null)
    .orderBy('round_no', 'desc')
    .executeTakeFirst();
}

/** The number the next round of a finding gets. Call it in the transaction that inserts the round (the finding stays locked). */
export async function nextRoundNo(db: Db, findingId: string): Promise<number> {
  await lockRow(db, 'findings', findingId);
  const r = await db
    .selectFrom('remediation_rounds')
    .select((eb) => eb.fn.max('round_no').as('n'))
    .where('finding_id', '=', findingId)
    .executeTakeFirst();
  return Number(r?.n ?? 0) + 1;
}

/** The files attached to rounds, per round id. */
export async function roundAttachments(db: Db, roundIds: string[]): Promise<Map<string, AttachmentRow[]>> {
  const out = new Map<string, AttachmentRow[]>();
  if (!roundIds.length) return out;
  const rows = await db
    .selectFrom('attachments')
    .selectAll()
    .where('purpose', '=', 'remediation')
    .where('round_id', 'in', roundIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const a of rows) out.set(a.round_id!, [...(out.get(a.round_id!) ?? []), a]);
  return out;
}

/**
 * The uploader's own remediation files that are not attached yet, for this client. Anything
 * else named (someone else's file, a chat file, one already used) is simply not returned.
 */
export function pendingAttachments(db: Db, uploaderId: string, clientId: string, ids: string[]): Promise<AttachmentRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('attachments')
    .selectAll()
    .where('id', 'in', ids)
    .where('uploader_id', '=', uploaderId)
    .where('client_id', '=', clientId)
    .where('purpose', '=', 'remediation')
    .where('round_id', 'is', null)
    .where('message_id', 'is', null)
    .execute();
}

/** Staff to tell about a submission: the project's team (active), or else every active admin and analyst. */
export async function teamOf(db: Db, projectId: string): Promise<string[]> {
  const team = await db
    .selectFrom('project_team')
    .innerJoin('users', 'users.id', 'project_team.user_id')
    .select('users.id')
    .where('project_team.project_id', '=', projectId)
    .where('users.kind', '=', 'staff')
    .where('users.status', '=', 'active')
    .execute();
  if (team.length) return team.map((r) => r.id);
  const all = await db
    .selectFrom('users')
    .select('id')
    .where('kind', '=', 'staff')
    .where('status', '=', 'active')
    .where('role', 'in', ['admin', 'analyst'])
    .execute();
  return all.map((r) => r.id);
}

/** A client's active Managers. */
export async function managersOf(db: Db, clientId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('client_id', '=', clientId)
    .where('kind', '=', 'portal')
    .where('role', '=', 'manager')
    .where('status', '=', 'active')
    .execute();
  return rows.map((r) => r.id);
}

/** Whether a user is active (an inactive submitter is not notified). */
export async function isActive(db: Db, userId: string): Promise<boolean> {
  const r = await db.selectFrom('users').select('status').where('id', '=', userId).executeTakeFirst();
  return r?.status === 'active';
}

export type RetestWithPeople = RetestRequestRow & {
  requester: Person;
  client_name: string;
  findings: { id: string; title: string; severity: string; status: string; published: number }[];
  round_ids: string[];
};

/** Retest requests (of one client, or naming one finding, or all), newest first, with their findings and linked rounds. */
export async function listRetests(
  db: Db,
  filter: ({ clientId: string } | { reach: Viewing }) & { findingId?: string; status?: string[]; id?: string; after?: RetestListKey | null; limit?: number },
): Promise<RetestWithPeople[]> {
  let q = db
    .selectFrom('retest_requests')
    .innerJoin('clients', 'clients.id', 'retest_requests.client_id')
    .selectAll('retest_requests')
    .select('clients.name as client_name');
  q = 'clientId' in filter ? q.where('retest_requests.client_id', '=', filter.clientId) : q.where(reachesSql(filter.reach, 'retest_requests.client_id'));
  if (filter.status) q = q.where('retest_requests.status', 'in', filter.status as RetestRequestRow['status'][]);
  if (filter.findingId) {
    const fid = filter.findingId;
    q = q.where('retest_requests.id', 'in', (eb) => eb.selectFrom('retest_request_findings').select('request_id').where('finding_id', '=', fid));
  }
  if (filter.id) q = q.where('retest_requests.id', '=', filter.id);
  const rows = await keysetPage(
    q,
    [
      { by: 'retest_requests.created_at', dir: 'desc' },
      { by: 'retest_requests.id', dir: 'asc' },
    ],
    filter.after ?? null,
    filter.limit ?? 500,
  ).execute();
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const [links, rounds, who] = await Promise.all([
    db
      .selectFrom('retest_request_findings')
      .innerJoin('findings', 'findings.id', 'retest_request_findings.finding_id')
      .select(['retest_request_findings.request_id', 'findings.id', 'findings.title', 'findings.severity', 'findings.status', 'findings.published'])
      .where('retest_request_findings.request_id', 'in', ids)
      .orderBy('findings.title')
      .execute(),
    db.selectFrom('remediation_rounds').select(['id', 'retest_request_id']).where('retest_request_id', 'in', ids).orderBy('submitted_at').execute(),
    people(
      db,
      rows.map((r) => r.requested_by),
    ),
  ]);
  return rows.map((r) => ({
    ...r,
    requester: who.get(r.requested_by) ?? { id: r.requested_by, name: 'Former user', kind: 'portal', org: null },
    findings: links.filter((l) => l.request_id === r.id),
    round_ids: rounds.filter((x) => x.retest_request_id === r.id).map((x) => x.id),
  }));
}

/** Where a retest request sorts: newest first, then by id. */
export type RetestListKey = [createdAt: number, id: string];

/** Retest requests not yet done that name a finding (a new round of that finding is linked to the oldest). */
export async function activeRetestFor(db: Db, findingId: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('retest_requests')
    .innerJoin('retest_request_findings', 'retest_request_findings.request_id', 'retest_requests.id')
    .select('retest_requests.id')
    .where('retest_request_findings.finding_id', '=', findingId)
    .where('retest_requests.status', '!=', 'done')
    .orderBy('retest_requests.created_at')
    .executeTakeFirst();
  return r?.id;
}
