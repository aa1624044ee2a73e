import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachmentRow, ClientEventRow } from '../../db/schema.js';
import { openDatabase, type Db } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadEventData, portalAudience, presentLoaded, STAFF_AUDIENCE, type EventData, type FeedAudience } from '../../server/realtime/feed-presenters.js';
import type { CommentWithAuthor, MessageWithAuthor } from '../../server/presenters/collaboration.js';
import { tempDir } from '../support/app.js';

/**
 * presentLoaded (the feed's pure presenter) on its own: each guard that keeps an event from a
 * portal audience — the logged audience, the comment's internal flag *as it is now*, the finding
 * or report being published now, the client's modules — tested one at a time, where the real
 * app's other guards cannot mask it (e.g. a comment that is internal now but was logged for all).
 */

const CLIENT = 'client-a';
const T = Date.UTC(2025, 0, 1);

const comment = (o: Partial<CommentWithAuthor> = {}): CommentWithAuthor => ({
  id: 'c1',
  finding_id: 'f1',
  client_id: CLIENT,
  author_id: 'u1',
  body: 'text',
  internal: 0,
  shared_by: null,
  shared_at: null,
  client_message_id: 'm1',
  created_at: T,
  edited_at: null,
  deleted_at: null,
  author_name: 'Ana',
  author_kind: 'staff',
  author_org: null,
  ...o,
});
const message = (o: Partial<MessageWithAuthor> = {}): MessageWithAuthor => ({
  id: 7,
  client_id: CLIENT,
  author_id: 'u2',
  body: 'hi',
  client_message_id: 'cm7',
  created_at: T,
  edited_at: null,
  deleted_at: T + 1,
  author_name: 'Pat',
  author_kind: 'portal',
  author_org: 'Client A Ltd',
  ...o,
});
const finding = (published: number) => ({
  id: 'f1',
  client_id: CLIENT,
  project_id: 'p1',
  title: 'SQLi',
  severity: 'high' as const,
  status: 'open' as const,
  published,
});

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
  position: ++pos,
  client_id: CLIENT,
  type,
  audience: 'all',
  entity_id: entity,
  data: JSON.stringify(type.startsWith('comment:') ? { findingId: 'f1' } : {}),
  at: T,
  ...o,
});
const portal = (o: { modules?: Record<string, boolean>; hidden?: Record<string, boolean> } = {}): FeedAudience =>
  portalAudience({
    id: CLIENT,
    visible_fields: JSON.stringify(o.hidden ?? {}),
    modules: JSON.stringify(o.modules ?? {}),
    portal_enabled: 1,
    archived_at: null,
  });
const one = (d: EventData, r: ClientEventRow, a: FeedAudience) => presentLoaded(d, [r], a)[0];

describe('presentLoaded', () => {
  it('gives a portal audience nothing for an event logged for staff only; staff get it', () => {
    const d = data({ comments: [comment()] });
    for (const type of [
      'comment:created',
      'comment:deleted',
      'finding:updated',
      'finding:unpublished',
      'message:deleted',
      'report:unpublished',
      'project:updated',
    ]) {
      const entity = type.startsWith('comment')
        ? 'c1'
        : type.startsWith('message')
          ? '7'
          : type.startsWith('report')
            ? 'r1'
            : type.startsWith('project')
              ? 'p1'
              : 'f1';
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
      id: 'c1',
      findingId: 'f1',
      author: { id: 'u1', name: 'Ana', kind: 'staff' },
      bodyHtml: '',
      body: '',
      clientMessageId: 'm1',
      createdAt: new Date(T).toISOString(),
      editedAt: null,
      deleted: true,
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
    for (const [type, id] of [
      ['comment:created', 'c1'],
      ['comment:deleted', 'c1'],
      ['finding:updated', 'f1'],
      ['finding:published', 'f1'],
      ['remediation:updated', 'f1'],
    ]) {
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
      ['chat', 'message:deleted', '7'],
      ['findings', 'comment:deleted', 'c1'],
      ['findings', 'finding:unpublished', 'f1'],
      ['findings', 'remediation:updated', 'f1'],
      ['reports', 'report:unpublished', 'r1'],
      ['reports', 'report:published', 'r1'],
      ['projects', 'project:updated', 'p1'],
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

describe('presentLoaded, every field', () => {
  const attachment: AttachmentRow = {
    id: 'a1',
    client_id: CLIENT,
    uploader_id: 'u2',
    purpose: 'chat',
    message_id: 7,
    round_id: null,
    kind: 'file',
    file: 'f.bin',
    thumb_file: null,
    original_name: 'notes.txt',
    mime: 'text/plain',
    size: 3,
    width: null,
    height: null,
    created_at: T,
  };
  const withFile = (): EventData => {
    const d = data({ comments: [comment()] });
    d.messages.messages.set(7, message({ deleted_at: null }));
    d.messages.attachments.set(7, [attachment]);
    return d;
  };

  it('wraps each event as position, client, type, time and data, in the order given', () => {
    const rows = [row('project:updated', 'p1', { at: T + 60_000 }), row('finding:unpublished', 'f1')];
    expect(presentLoaded(data(), rows, STAFF_AUDIENCE)).toEqual([
      {
        position: rows[0]!.position,
        clientId: CLIENT,
        type: 'project:updated',
        at: new Date(T + 60_000).toISOString(),
        data: { id: 'p1', name: 'Web', status: 'active' },
      },
      { position: rows[1]!.position, clientId: CLIENT, type: 'finding:unpublished', at: new Date(T).toISOString(), data: { id: 'f1' } },
    ]);
  });

  it('a published finding and report: every summary field for staff', () => {
    for (const type of ['finding:published', 'finding:updated', 'remediation:updated']) {
      expect(one(data(), row(type, 'f1'), STAFF_AUDIENCE)!.data, type).toEqual({
        id: 'f1',
        projectId: 'p1',
        title: 'SQLi',
        severity: 'high',
        status: 'open',
        published: true,
      });
    }
    expect(one(data({ published: 0 }), row('finding:updated', 'f1'), STAFF_AUDIENCE)!.data).toMatchObject({ published: false });
    expect(one(data(), row('report:published', 'r1'), portal())!.data).toEqual({ id: 'r1', projectId: 'p1', title: 'Report', version: 2 });
    expect(one(data(), row('project:updated', 'p1'), portal())!.data).toEqual({ id: 'p1', name: 'Web', status: 'active' });
  });

  it('a chat message with its files, for both audiences', () => {
    for (const a of [portal(), STAFF_AUDIENCE]) {
      expect(one(withFile(), row('message:created', '7'), a)!.data).toMatchObject({
        id: 7,
        body: 'hi',
        deleted: false,
        attachments: [{ id: 'a1', kind: 'file', name: 'notes.txt', mime: 'text/plain', size: 3, url: '/api/attachments/a1', thumbUrl: null }],
      });
    }
    expect(one(data(), row('message:updated', '7'), STAFF_AUDIENCE)!.data).toMatchObject({ id: 7, attachments: [] });
    // A live message without files: no attachments at all.
    const noFiles = data();
    noFiles.messages.messages.set(7, message({ deleted_at: null }));
    expect((one(noFiles, row('message:created', '7'), portal())!.data as { attachments: unknown[] }).attachments).toEqual([]);
  });

  it('gives the portal every event type of a module that is on, for an entity it may see', () => {
    const d = data({ comments: [comment()] });
    d.messages.messages.set(7, message({ deleted_at: null }));
    const cases: [string, string][] = [
      ['comment:created', 'c1'],
      ['comment:updated', 'c1'],
      ['comment:deleted', 'c1'],
      ['message:created', '7'],
      ['message:updated', '7'],
      ['message:deleted', '7'],
      ['finding:published', 'f1'],
      ['finding:unpublished', 'f1'],
      ['finding:updated', 'f1'],
      ['report:published', 'r1'],
      ['report:unpublished', 'r1'],
      ['project:updated', 'p1'],
      ['remediation:updated', 'f1'],
    ];
    for (const [type, id] of cases) {
      const p = one(d, row(type, id), portal());
      expect(p, type).toMatchObject({ type, clientId: CLIENT });
      expect((p!.data as { id: unknown }).id, type).toBe(type.startsWith('message:') ? 7 : id);
    }
  });

  it('finds a comment’s finding from the comment when the event does not name it', () => {
    const d = data({ comments: [comment()] });
    for (const a of [portal(), STAFF_AUDIENCE]) {
      expect(one(d, row('comment:created', 'c1', { data: '{}' }), a)!.data).toMatchObject({ id: 'c1', findingId: 'f1', body: 'text' });
    }
    // Neither the event nor a row names a finding: nothing, even for staff.
    expect(one(d, row('comment:deleted', 'gone', { data: '{}' }), STAFF_AUDIENCE)).toBeNull();
  });

  it('gives nothing for an entity that is gone, or an event type it does not know', () => {
    const d = data();
    for (const a of [portal(), STAFF_AUDIENCE]) {
      for (const [type, id] of [
        ['message:created', '8'],
        ['finding:updated', 'f9'],
        ['report:published', 'r9'],
        ['project:updated', 'p9'],
        ['mystery:event', 'f1'],
      ]) {
        expect(one(d, row(type!, id!), a), `${type} ${id}`).toBeNull();
      }
    }
  });
});

describe('loadEventData, then presentLoaded', () => {
  let db: Db;
  let close: () => void;
  const dir = tempDir('debrief-feed-presenters-');
  const now = T;
  beforeAll(async () => {
    const opened = openDatabase(path.join(dir, 'db.sqlite'));
    db = opened.db;
    close = () => opened.sqlite.close();
    await migrateToLatest(db);
    await db
      .insertInto('clients')
      .values({
        id: CLIENT,
        name: 'Acme',
        portal_enabled: 1,
        archived_at: null,
        session_idle_minutes: null,
        session_absolute_hours: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db
      .insertInto('users')
      .values({
        id: 'u1',
        kind: 'staff',
        role: 'analyst',
        client_id: null,
        email: 'u1@x.test',
        name: 'Ana',
        password_hash: 'x',
        status: 'active',
        created_at: now,
        updated_at: now,
      } as never)
      .execute();
    await db
      .insertInto('projects')
      .values({
        id: 'p1',
        client_id: CLIENT,
        name: 'Web',
        status: 'active',
        start_date: null,
        end_date: null,
        created_by: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    for (const [id, published] of [
      ['f1', 1],
      ['f2', 1],
      ['f3', 0],
      ['f4', 1],
    ] as const) {
      await db
        .insertInto('findings')
        .values({
          id,
          project_id: 'p1',
          client_id: CLIENT,
          title: `T-${id}`,
          severity: 'low',
          description: '',
          impact: '',
          remediation: '',
          technical_details: '',
          cvss_vector: null,
          cvss_version: null,
          cvss_score: null,
          references_json: '[]',
          affected_assets_json: '[]',
          status: 'open',
          published,
          published_at: published ? now : null,
          internal_notes: '',
          version: 1,
          created_by: null,
          created_at: now,
          updated_at: now,
          due_paused_ms: 0,
          due_paused_at: null,
        } as never)
        .execute();
    }
    await db
      .insertInto('reports')
      .values({
        id: 'r1',
        project_id: 'p1',
        client_id: CLIENT,
        title: 'Final',
        version: 1,
        file: 'x',
        original_name: 'x.pdf',
        size: 1,
        sha256: 'a',
        published: 1,
        published_at: now,
        damaged_at: null,
        created_by: null,
        created_at: now,
      })
      .execute();
    await db
      .insertInto('comments')
      .values({
        id: 'k1',
        finding_id: 'f1',
        client_id: CLIENT,
        author_id: 'u1',
        body: 'hello',
        internal: 0,
        shared_by: null,
        shared_at: null,
        client_message_id: 'x1',
        created_at: now,
        edited_at: null,
        deleted_at: null,
      })
      .execute();
    await db
      .insertInto('chat_messages')
      .values({ id: 5, client_id: CLIENT, author_id: 'u1', body: 'msg', client_message_id: 'cm5', created_at: now, edited_at: null, deleted_at: null })
      .execute();
  });
  afterAll(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => [
    row('comment:created', 'k1', { data: JSON.stringify({ findingId: 'f1' }) }),
    row('finding:published', 'f2'),
    row('remediation:updated', 'f4'),
    row('finding:updated', 'f2'),
    row('report:published', 'r1'),
    row('project:updated', 'p1'),
    row('message:created', '5'),
  ];

  it('reads each entity the events name, once, by kind', async () => {
    const d = await loadEventData(db, rows());
    expect([...d.comments.keys()]).toEqual(['k1']);
    expect([...d.messages.messages.keys()]).toEqual([5]);
    expect([...d.findingById.keys()].sort()).toEqual(['f1', 'f2', 'f4']);
    expect(d.findingById.get('f2')).toEqual({ id: 'f2', client_id: CLIENT, project_id: 'p1', title: 'T-f2', severity: 'low', status: 'open', published: 1 });
    expect([...d.reportById.values()]).toEqual([{ id: 'r1', project_id: 'p1', title: 'Final', version: 1, published: 1 }]);
    expect([...d.projectById.values()]).toEqual([{ id: 'p1', name: 'Web', status: 'active' }]);
  });

  it('reads nothing for events that name nothing of a kind', async () => {
    const d = await loadEventData(db, [row('finding:unpublished', 'f3', { type: 'report:unpublished', entity_id: 'r1' })]);
    expect([d.comments.size, d.messages.messages.size, d.findingById.size, d.projectById.size]).toEqual([0, 0, 0, 0]);
    expect([...d.reportById.keys()]).toEqual(['r1']);
    const none = await loadEventData(db, []);
    expect([none.comments.size, none.messages.messages.size, none.findingById.size, none.reportById.size, none.projectById.size]).toEqual([0, 0, 0, 0, 0]);
  });

  it('presents a batch for an audience from the database, in order', async () => {
    const batch = [...rows(), row('finding:updated', 'f3')];
    const got = presentLoaded(await loadEventData(db, batch), batch, portal());
    expect(got.map((e) => e && [e.type, (e.data as { id: unknown }).id])).toEqual([
      ['comment:created', 'k1'],
      ['finding:published', 'f2'],
      ['remediation:updated', 'f4'],
      ['finding:updated', 'f2'],
      ['report:published', 'r1'],
      ['project:updated', 'p1'],
      ['message:created', 5],
      null,
    ]);
  });
});
