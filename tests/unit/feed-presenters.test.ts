import { describe, expect, it } from 'vitest';
import type { ClientEventRow } from '../../db/schema.js';
import { portalAudience, presentLoaded, STAFF_AUDIENCE, type EventData, type FeedAudience } from '../../server/realtime/feed-presenters.js';
import type { CommentWithAuthor, MessageWithAuthor } from '../../server/presenters/collaboration.js';

/**
 * presentLoaded (the feed's pure presenter) on its own: each guard that keeps an event from a
 * portal audience — the logged audience, the comment's internal flag *as it is now*, the finding
 * or report being published now, the client's modules — tested one at a time, where the real
 * app's other guards cannot mask it (e.g. a comment that is internal now but was logged for all).
 */

const CLIENT = 'client-a';
const T = Date.UTC(2025, 0, 1);

const comment = (o: Partial<CommentWithAuthor> = {}): CommentWithAuthor => ({
  id: 'c1', finding_id: 'f1', client_id: CLIENT, author_id: 'u1', body: 'text', internal: 0, shared_by: null, shared_at: null,
  client_message_id: 'm1', created_at: T, edited_at: null, deleted_at: null, author_name: 'Ana', author_kind: 'staff', ...o,
});
const message = (o: Partial<MessageWithAuthor> = {}): MessageWithAuthor => ({
  id: 7, client_id: CLIENT, author_id: 'u2', body: 'hi', client_message_id: 'cm7', created_at: T, edited_at: null, deleted_at: T + 1, author_name: 'Pat', author_kind: 'portal', ...o,
});
const finding = (published: number) => ({ id: 'f1', client_id: CLIENT, project_id: 'p1', title: 'SQLi', severity: 'high' as const, status: 'open' as const, published });

function data(o: { comments?: CommentWithAuthor[]; published?: number; reportPublished?: number } = {}): EventData {
  return {
    comments: new Map((o.comments ?? []).map((c) => [c.id, c])),
    messages: { messages: new Map([[7, message()]]), attachments: new Map() },
    findingById: new Map([['f1', finding(o.published ?? 1)]]),
    reportById: new Map([['r1', { id: 'r1', project_id: 'p1', title: 'Report', version: 2, published: o.reportPublished ?? 1 }]]),
    projectById: new Map([['p1', { id: 'p1', name: 'Web', status: 'active' as const }]]),
  } as EventData;
}
let pos = 0;
const row = (type: string, entity: string, o: Partial<ClientEventRow> = {}): ClientEventRow => ({
  position: ++pos, client_id: CLIENT, type, audience: 'all', entity_id: entity, data: JSON.stringify(type.startsWith('comment:') ? { findingId: 'f1' } : {}), at: T, ...o,
});
const portal = (o: { modules?: Record<string, boolean>; hidden?: Record<string, boolean> } = {}): FeedAudience =>
  portalAudience({ id: CLIENT, visible_fields: JSON.stringify(o.hidden ?? {}), modules: JSON.stringify(o.modules ?? {}), portal_enabled: 1, archived_at: null });
const one = (d: EventData, r: ClientEventRow, a: FeedAudience) => presentLoaded(d, [r], a)[0];

describe('presentLoaded', () => {
  it('gives a portal audience nothing for an event logged for staff only; staff get it', () => {
    const d = data({ comments: [comment()] });
    for (const type of ['comment:created', 'comment:deleted', 'finding:updated', 'finding:unpublished', 'message:deleted', 'report:unpublished', 'project:updated']) {
      const entity = type.startsWith('comment') ? 'c1' : type.startsWith('message') ? '7' : type.startsWith('report') ? 'r1' : type.startsWith('project') ? 'p1' : 'f1';
      const r = row(type, entity, { audience: 'staff' });
      expect(one(d, r, portal()), type).toBeNull();
      expect(one(d, r, STAFF_AUDIENCE), type).not.toBeNull();
    }
  });

  it('never sends a portal audience a note that is internal now, not even its deletion (logged for all)', () => {
    const d = data({ comments: [comment({ internal: 1, deleted_at: T + 5 })] });
    for (const type of ['comment:created', 'comment:updated', 'comment:deleted']) {
      expect(one(d, row(type, 'c1'), portal()), type).toBeNull();
      expect(one(d, row(type, 'c1'), STAFF_AUDIENCE)?.data, type).toMatchObject({ id: 'c1', internal: true });
    }
  });

  it('presents a deleted public comment to the portal as a tombstone without staff fields', () => {
    const d = data({ comments: [comment({ deleted_at: T + 5, shared_at: T + 2, shared_by: 'u9' })] });
    const p = one(d, row('comment:deleted', 'c1'), portal());
    expect(p).toMatchObject({ clientId: CLIENT, type: 'comment:deleted', at: new Date(T).toISOString() });
    expect(p!.data).toEqual({
      id: 'c1', findingId: 'f1', author: { id: 'u1', name: 'Ana', kind: 'staff' }, bodyHtml: '', body: '', clientMessageId: 'm1',
      createdAt: new Date(T).toISOString(), editedAt: null, deleted: true,
    });
    const s = one(d, row('comment:deleted', 'c1'), STAFF_AUDIENCE);
    expect(s!.data).toMatchObject({ internal: false, sharedAt: new Date(T + 2).toISOString(), deleted: true });
    expect(JSON.stringify(s)).not.toContain('u9');
  });

  it('answers staff {id, findingId} for a comment whose row is gone; the portal nothing', () => {
    const d = data();
    expect(one(d, row('comment:deleted', 'gone'), STAFF_AUDIENCE)!.data).toEqual({ id: 'gone', findingId: 'f1' });
    expect(one(d, row('comment:deleted', 'gone'), portal())).toBeNull();
    expect(one(d, row('comment:created', 'gone'), STAFF_AUDIENCE)).toBeNull();
  });

  it('drops comments and finding updates of a finding that is not published now, for the portal only', () => {
    const d = data({ comments: [comment()], published: 0 });
    for (const [type, id] of [['comment:created', 'c1'], ['comment:deleted', 'c1'], ['finding:updated', 'f1'], ['finding:published', 'f1'], ['remediation:updated', 'f1']]) {
      expect(one(d, row(type!, id!), portal()), type).toBeNull();
      expect(one(d, row(type!, id!), STAFF_AUDIENCE), type).not.toBeNull();
    }
  });

  it('announces a withdrawal by id only, to both audiences', () => {
    const d = data({ published: 0 });
    expect(one(d, row('finding:unpublished', 'f1'), portal())!.data).toEqual({ id: 'f1' });
    expect(one(d, row('finding:unpublished', 'f1'), STAFF_AUDIENCE)!.data).toEqual({ id: 'f1' });
    expect(one(d, row('report:unpublished', 'r1'), portal())!.data).toEqual({ id: 'r1' });
  });

  it('presents a chat deletion as a tombstone to both audiences', () => {
    for (const a of [portal(), STAFF_AUDIENCE]) {
      expect(one(data(), row('message:deleted', '7'), a)!.data).toMatchObject({ id: 7, deleted: true, body: '', bodyHtml: '', attachments: [] });
    }
  });

  it('keeps the finding summary’s staff field (published) from the portal', () => {
    const d = data();
    expect(one(d, row('finding:updated', 'f1'), portal())!.data).toEqual({ id: 'f1', projectId: 'p1', title: 'SQLi', severity: 'high', status: 'open' });
    expect(one(d, row('finding:updated', 'f1'), STAFF_AUDIENCE)!.data).toMatchObject({ published: true });
  });

  it('gives a portal audience nothing from a module its client switched off (staff unaffected)', () => {
    const d = data({ comments: [comment()] });
    const cases: [string, string, string][] = [
      ['chat', 'message:deleted', '7'], ['findings', 'comment:deleted', 'c1'], ['findings', 'finding:unpublished', 'f1'],
      ['findings', 'remediation:updated', 'f1'], ['reports', 'report:unpublished', 'r1'], ['reports', 'report:published', 'r1'], ['projects', 'project:updated', 'p1'],
    ];
    for (const [module, type, id] of cases) {
      expect(one(d, row(type, id), portal({ modules: { [module]: false } })), `${module} off: ${type}`).toBeNull();
      expect(one(d, row(type, id), portal()), `${module} on: ${type}`).not.toBeNull();
    }
  });

  it('drops a report that is not published now for the portal', () => {
    const d = data({ reportPublished: 0 });
    expect(one(d, row('report:published', 'r1'), portal())).toBeNull();
    expect(one(d, row('report:published', 'r1'), STAFF_AUDIENCE)!.data).toEqual({ id: 'r1', projectId: 'p1', title: 'Report', version: 2 });
  });
});
