import type { Kysely } from 'kysely';
import type { ClientEventRow, ClientRow, Database } from '../../db/schema.js';
import type { FeedEventType, FindingSummaryDTO, ProjectSummaryDTO, ReportSummaryDTO } from '../contracts/realtime.js';
import type { AnyFeedEvent, FeedEventData } from '../contracts/socket.js';
import { atClient, isPublished, sees, seesModule, type ClientRecord, type Reachable, type StateOf } from '../policies/access.js';
import { presentComment, presentMessage } from '../presenters/collaboration.js';
import { loadComments } from '../repositories/comments.js';
import { loadMessages } from '../repositories/chat.js';
import { pick, portalProfile, STAFF_PROFILE, type VisibilityProfile } from '../visibility/profile.js';

type Db = Kysely<Database>;

/**
 * Presents log events for one audience *as things are now*: an event is re-read and re-checked
 * when it is delivered (live or in catch-up), so a comment made internal, a finding withdrawn,
 * a module switched off, a portal closed or a field hidden since the event was logged is
 * honoured. Who may see what is `policies/access.ts`, judged with the client's current state.
 * `null` means "this audience gets nothing for this event".
 */
export type FeedAudience = { profile: VisibilityProfile; client: ClientRecord | null };

export const STAFF_AUDIENCE: FeedAudience = { profile: STAFF_PROFILE, client: null };

/** The portal audience of one client, from its current settings. */
export function portalAudience(client: ClientRecord & Pick<ClientRow, 'visible_fields'>): FeedAudience {
  return { profile: portalProfile(client), client };
}

const isPortal = (a: FeedAudience) => a.profile.audience === 'portal';

/** Whether the audience may see a resource of this kind, judged with its client's current state. */
function mayShow<K extends Exclude<Reachable, 'client' | 'chat' | 'project'>>(
  a: FeedAudience,
  kind: K,
  row: Omit<StateOf[K], 'portal_enabled' | 'archived_at' | 'modules'>,
): boolean {
  return a.client === null || sees({ kind: 'portal', client_id: a.client.id }, kind, atClient(a.client, row) as StateOf[K]);
}
/** Whether the audience may see a client-wide part (the chat channel, the projects) or be told of a withdrawal in a module. */
const mayOpen = (a: FeedAudience, kind: 'chat' | 'project') => a.client === null || sees({ kind: 'portal', client_id: a.client.id }, kind, a.client);
const mayHearOf = (a: FeedAudience, module: 'findings' | 'reports') =>
  a.client === null || seesModule({ kind: 'portal', client_id: a.client.id }, a.client, module);

/** `f`'s answer, worked out at the first call and kept. */
function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/** The rows a batch of events refers to, read once (then presented for each audience). */
export type EventData = Awaited<ReturnType<typeof loadEventData>>;

export async function loadEventData(db: Db, rows: ClientEventRow[]) {
  const ids = (types: string[]) => [...new Set(rows.filter((r) => types.some((t) => r.type.startsWith(t))).map((r) => r.entity_id))];
  const commentIds = ids(['comment:']);
  const messageIds = ids(['message:']).map(Number);
  const findingIds = [
    ...new Set([
      ...ids(['finding:', 'remediation:']),
      ...rows.filter((r) => r.type.startsWith('comment:')).map((r) => String(JSON.parse(r.data).findingId ?? '')),
    ]),
  ].filter(Boolean);
  const reportIds = ids(['report:']);
  const projectIds = ids(['project:']);

  const [comments, messages, findings, reports, projects] = await Promise.all([
    loadComments(db, commentIds),
    loadMessages(db, messageIds),
    findingIds.length
      ? db.selectFrom('findings').select(['id', 'client_id', 'project_id', 'title', 'severity', 'status', 'published']).where('id', 'in', findingIds).execute()
      : [],
    reportIds.length ? db.selectFrom('reports').select(['id', 'project_id', 'title', 'version', 'published']).where('id', 'in', reportIds).execute() : [],
    projectIds.length ? db.selectFrom('projects').select(['id', 'name', 'status']).where('id', 'in', projectIds).execute() : [],
  ]);
  return {
    comments,
    messages,
    findingById: new Map(findings.map((f) => [f.id, f])),
    reportById: new Map(reports.map((r) => [r.id, r])),
    projectById: new Map(projects.map((p) => [p.id, p])),
  };
}

/** Present events for one audience from data already loaded (no database access). */
export function presentLoaded(d: EventData, rows: ClientEventRow[], a: FeedAudience): (AnyFeedEvent | null)[] {
  return rows.map(presenterOf(d, a));
}

/** The presenter of one event row for one audience, from data already loaded: rows presented on demand (a catch-up part stops at its size). */
export function presenterOf(d: EventData, a: FeedAudience): (r: ClientEventRow) => AnyFeedEvent | null {
  const { comments, messages, findingById, reportById, projectById } = d;
  // What depends on the audience alone (its client's state, read for this batch), judged once.
  const chatOpen = once(() => mayOpen(a, 'chat'));
  const projectsOpen = once(() => mayOpen(a, 'project'));
  const hearsOf = { findings: once(() => mayHearOf(a, 'findings')), reports: once(() => mayHearOf(a, 'reports')) };

  const findingSummary = (id: string): FindingSummaryDTO | null => {
    const f = findingById.get(id);
    if (!f || !mayShow(a, 'finding', f)) return null;
    return pick<FindingSummaryDTO>('finding', a.profile, {
      id: () => f.id,
      projectId: () => f.project_id,
      title: () => f.title,
      severity: () => f.severity,
      status: () => f.status,
      published: () => isPublished(f),
    });
  };

  function one(r: ClientEventRow): FeedEventData[FeedEventType] | null {
    if (isPortal(a) && r.audience !== 'all') return null;
    switch (r.type as FeedEventType) {
      case 'comment:created':
      case 'comment:updated':
      case 'comment:deleted': {
        const c = comments.get(r.entity_id);
        const data = JSON.parse(r.data) as { findingId?: unknown };
        const finding = findingSummary(String(data.findingId ?? c?.finding_id ?? ''));
        if (!finding) return null;
        // An internal note (as it is now) never reaches a portal socket, not even as a deletion.
        const f = findingById.get(finding.id)!;
        if (!c || !mayShow(a, 'comment', { client_id: f.client_id, published: f.published, internal: c.internal })) {
          return r.type === 'comment:deleted' && !isPortal(a) ? { id: r.entity_id, findingId: finding.id } : null;
        }
        return presentComment(c, a.profile);
      }
      case 'message:created':
      case 'message:updated':
      case 'message:deleted': {
        const m = messages.messages.get(Number(r.entity_id));
        if (!chatOpen()) return null;
        return m ? presentMessage(m, messages.attachments.get(m.id) ?? [], a.profile) : null;
      }
      case 'finding:published':
      case 'finding:updated':
      case 'remediation:updated':
        return findingSummary(r.entity_id);
      case 'finding:unpublished':
        return hearsOf.findings() ? { id: r.entity_id } : null;
      case 'report:published': {
        const rep = reportById.get(r.entity_id);
        if (!rep || !mayShow(a, 'report', { client_id: r.client_id, published: rep.published })) return null;
        return pick<ReportSummaryDTO>('report', a.profile, {
          id: () => rep.id,
          projectId: () => rep.project_id,
          title: () => rep.title,
          version: () => rep.version,
        });
      }
      case 'report:unpublished':
        return hearsOf.reports() ? { id: r.entity_id } : null;
      case 'project:updated': {
        const p = projectById.get(r.entity_id);
        if (!projectsOpen()) return null;
        return p ? pick<ProjectSummaryDTO>('project', a.profile, { id: () => p.id, name: () => p.name, status: () => p.status }) : null;
      }
      default:
        return null;
    }
  }

  return (r) => {
    const data = one(r);
    // `one` switched on this row's type, so `data` is that type's payload (a pairing TypeScript can't follow through the switch).
    return data === null
      ? null
      : ({ position: r.position, clientId: r.client_id, type: r.type as FeedEventType, at: new Date(r.at).toISOString(), data } as AnyFeedEvent);
  };
}
