import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachmentRow, ChatMessageRow, ClientRow, EvidenceRow, FindingRow, FirmRow, NotificationRow, ProjectRow, ReportRow } from '../../db/schema.js';
import { openDatabase, type Db } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import {
  presentEvidence,
  presentFinding,
  presentProject,
  presentReport,
  presentStatusChange,
  type StatusChangeRow,
} from '../../server/presenters/workspace.js';
import {
  presentAttachment,
  presentComment,
  presentMessage,
  presentNotification,
  type CommentWithAuthor,
  type MessageWithAuthor,
} from '../../server/presenters/collaboration.js';
import {
  countsByProject,
  emptyCounts,
  presentActivity,
  presentFindingSummary,
  presentOpenBySeverity,
  presentProgress,
} from '../../server/presenters/dashboard.js';
import { presentRetest, presentRound } from '../../server/presenters/remediation.js';
import { loadComments } from '../../server/repositories/comments.js';
import { loadMessages } from '../../server/repositories/chat.js';
import { presentMember, type MemberRow } from '../../server/presenters/member.js';
import { presentFirm, presentSelf } from '../../server/presenters/user.js';
import { presentClient } from '../../server/presenters/client.js';
import type { RetestWithPeople, RoundWithPeople } from '../../server/repositories/remediation.js';
import type { FindingSummaryRow } from '../../server/repositories/portal.js';
import { renderMarkdown } from '../../server/services/markdown.js';
import { renderCommentHtml } from '../../server/services/mentions.js';
import { portalProfile, STAFF_PROFILE } from '../../server/visibility/profile.js';
import { UNREADABLE_ALLOWLIST } from '../../server/auth/access.js';
import { tempDir } from '../support/app.js';

/**
 * The presenters (server/presenters/*.ts) on their own: every field each one sends, for staff and
 * for a portal profile, with the edge cases the mutation run (tests/mutation-survivors.md) found
 * unpinned — missing optional values, deleted rows, files split between a submission and a
 * verdict, held invitations, and the loaders' grouping of rows by id.
 */

const T = Date.UTC(2026, 0, 2, 3, 4, 5);
const iso = (ms: number) => new Date(ms).toISOString();
const PORTAL = portalProfile({ id: 'c1', visible_fields: '{}' });

const finding: FindingRow = {
  id: 'f1',
  project_id: 'p1',
  client_id: 'c1',
  title: 'SQL injection',
  severity: 'high',
  description: 'the *description*',
  impact: 'the *impact*',
  remediation: 'the *fix*',
  technical_details: 'the *details*',
  cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  cvss_version: '3.1',
  cvss_score: 9.8,
  references_json: '["https://ref.example/a", 7, "https://ref.example/b", null]',
  affected_assets_json: '["web01"]',
  status: 'open',
  published: 1,
  published_at: T + 1,
  internal_notes: 'internal',
  version: 3,
  created_by: 'u1',
  created_at: T + 2,
  updated_at: T + 3,
  due_paused_ms: 0,
  due_paused_at: null,
};
const evidence: EvidenceRow = {
  id: 'e1',
  finding_id: 'f1',
  client_id: 'c1',
  kind: 'image',
  original_file: 'o.png',
  original_name: 'shot.png',
  mime: 'image/png',
  size: 10,
  width: 11,
  height: 12,
  client_file: 'c.webp',
  client_thumb_file: 't.webp',
  redactions: '[{"x":1,"y":2,"w":3,"h":4}]',
  caption: 'cap',
  shared: 1,
  created_by: 'u1',
  created_at: T + 4,
};
const history: StatusChangeRow = { from_status: 'open', to_status: 'pending_verification', note: 'please check', at: T + 5, actor_id: 'u9', actor_name: 'Sam' };

describe('workspace presenters', () => {
  it('a status change: every field for staff; the portal without the actor id', () => {
    const all = { from: 'open', to: 'pending_verification', note: 'please check', at: iso(T + 5), actorName: 'Sam', actorId: 'u9' };
    expect(presentStatusChange(history, STAFF_PROFILE)).toEqual(all);
    const { actorId: _, ...portal } = all;
    expect(presentStatusChange({ ...history, from_status: null, actor_id: null, actor_name: null }, PORTAL)).toEqual({
      ...portal,
      from: null,
      actorName: null,
    });
  });

  it('evidence: every field for staff, the client copy and thumbnail only when they exist', () => {
    expect(presentEvidence(evidence, STAFF_PROFILE)).toEqual({
      id: 'e1',
      findingId: 'f1',
      kind: 'image',
      caption: 'cap',
      width: 11,
      height: 12,
      url: '/api/evidence/e1/file',
      thumbUrl: '/api/evidence/e1/thumb',
      createdAt: iso(T + 4),
      originalName: 'shot.png',
      mime: 'image/png',
      size: 10,
      redactions: [{ x: 1, y: 2, w: 3, h: 4 }],
      shared: true,
      originalUrl: '/api/evidence/e1/original',
    });
    expect(presentEvidence({ ...evidence, client_file: null, client_thumb_file: null, shared: 0 }, STAFF_PROFILE)).toMatchObject({
      url: null,
      thumbUrl: null,
      shared: false,
    });
    expect(presentEvidence(evidence, PORTAL)).toEqual({
      id: 'e1',
      findingId: 'f1',
      kind: 'image',
      caption: 'cap',
      width: 11,
      height: 12,
      url: '/api/evidence/e1/file',
      thumbUrl: '/api/evidence/e1/thumb',
      createdAt: iso(T + 4),
    });
  });

  const extras = { projectName: 'Web app', history: [history], evidence: [evidence] };
  const staffFinding = {
    id: 'f1',
    projectId: 'p1',
    projectName: 'Web app',
    clientId: 'c1',
    title: 'SQL injection',
    severity: 'high',
    status: 'open',
    descriptionHtml: renderMarkdown('the *description*'),
    impactHtml: renderMarkdown('the *impact*'),
    remediationHtml: renderMarkdown('the *fix*'),
    technicalDetailsHtml: renderMarkdown('the *details*'),
    cvssVersion: '3.1',
    cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cvssScore: 9.8,
    references: ['https://ref.example/a', 'https://ref.example/b'],
    affectedAssets: ['web01'],
    evidence: [presentEvidence(evidence, STAFF_PROFILE)],
    statusHistory: [presentStatusChange(history, STAFF_PROFILE)],
    dueAt: null,
    overdue: false,
    duePaused: false,
    publishedAt: iso(T + 1),
    createdAt: iso(T + 2),
    updatedAt: iso(T + 3),
    description: 'the *description*',
    impact: 'the *impact*',
    remediation: 'the *fix*',
    technicalDetails: 'the *details*',
    internalNotes: 'internal',
    published: true,
    version: 3,
    createdBy: 'u1',
  };

  it('a finding: every field for staff, markdown rendered, references only as strings, no deadline when none is given', () => {
    expect(staffFinding.descriptionHtml).toContain('<em>description</em>');
    expect(presentFinding(finding, extras, STAFF_PROFILE)).toEqual(staffFinding);
  });

  it('a finding with a deadline, unpublished, and lists that are not arrays or not JSON', () => {
    const f = { ...finding, published: 0, published_at: null, references_json: '{"a":"b"}', affected_assets_json: 'not json' };
    expect(presentFinding(f, { ...extras, due: { dueAt: T + 9, overdue: true, paused: true } }, STAFF_PROFILE)).toEqual({
      ...staffFinding,
      published: false,
      publishedAt: null,
      references: [],
      affectedAssets: [],
      dueAt: iso(T + 9),
      overdue: true,
      duePaused: true,
    });
    expect(presentFinding(f, { ...extras, due: { dueAt: null, overdue: false, paused: false } }, STAFF_PROFILE)).toMatchObject({
      dueAt: null,
      overdue: false,
      duePaused: false,
    });
  });

  it('a finding for the portal: the portal fields only, evidence and history in the portal shape', () => {
    expect(presentFinding(finding, extras, PORTAL)).toEqual({
      id: 'f1',
      projectId: 'p1',
      projectName: 'Web app',
      title: 'SQL injection',
      severity: 'high',
      status: 'open',
      descriptionHtml: staffFinding.descriptionHtml,
      impactHtml: staffFinding.impactHtml,
      remediationHtml: staffFinding.remediationHtml,
      technicalDetailsHtml: staffFinding.technicalDetailsHtml,
      cvssVersion: '3.1',
      cvssVector: staffFinding.cvssVector,
      cvssScore: 9.8,
      references: staffFinding.references,
      affectedAssets: ['web01'],
      evidence: [presentEvidence(evidence, PORTAL)],
      statusHistory: [presentStatusChange(history, PORTAL)],
      dueAt: null,
      overdue: false,
      duePaused: false,
      publishedAt: iso(T + 1),
      createdAt: iso(T + 2),
      updatedAt: iso(T + 3),
    });
  });

  const project: ProjectRow = {
    id: 'p1',
    client_id: 'c1',
    name: 'Web app',
    status: 'active',
    start_date: '2026-01-01',
    end_date: '2026-02-01',
    description: 'scope',
    created_by: 'u1',
    created_at: T,
    updated_at: T + 1,
  };
  const counts = { ...emptyCounts(), high: 2, total: 2, open: 1 };

  it('a project: client name and team for staff (null and empty when not given); neither for the portal', () => {
    const base = {
      id: 'p1',
      name: 'Web app',
      status: 'active',
      startDate: '2026-01-01',
      endDate: '2026-02-01',
      description: 'scope',
      findingCounts: counts,
      createdAt: iso(T),
      updatedAt: iso(T + 1),
    };
    expect(presentProject(project, { counts, clientName: 'Acme', team: [{ id: 'u1', name: 'Sam' }] }, STAFF_PROFILE)).toEqual({
      ...base,
      clientId: 'c1',
      clientName: 'Acme',
      team: [{ id: 'u1', name: 'Sam' }],
    });
    expect(presentProject(project, { counts }, STAFF_PROFILE)).toEqual({ ...base, clientId: 'c1', clientName: null, team: [] });
    expect(presentProject(project, { counts, clientName: 'Acme', team: [{ id: 'u1', name: 'Sam' }] }, PORTAL)).toEqual(base);
  });

  it('a report: every field for staff; the portal without the bookkeeping', () => {
    const report: ReportRow = {
      id: 'r1',
      project_id: 'p1',
      client_id: 'c1',
      title: 'Final',
      version: 2,
      file: 'x.pdf',
      original_name: 'final.pdf',
      size: 99,
      sha256: 'ab'.repeat(32),
      published: 1,
      published_at: T + 1,
      damaged_at: T + 2,
      created_by: 'u1',
      created_at: T,
    };
    const base = {
      id: 'r1',
      projectId: 'p1',
      projectName: 'Web app',
      title: 'Final',
      version: 2,
      originalName: 'final.pdf',
      size: 99,
      sha256: 'ab'.repeat(32),
      publishedAt: iso(T + 1),
      createdAt: iso(T),
      downloadUrl: '/api/reports/r1/download',
    };
    expect(presentReport(report, 'Web app', STAFF_PROFILE)).toEqual({ ...base, clientId: 'c1', published: true, damagedAt: iso(T + 2), createdBy: 'u1' });
    expect(presentReport({ ...report, published: 0, published_at: null, damaged_at: null }, 'Web app', STAFF_PROFILE)).toMatchObject({
      published: false,
      publishedAt: null,
      damagedAt: null,
    });
    expect(presentReport(report, 'Web app', PORTAL)).toEqual(base);
  });
});

const comment = (o: Partial<CommentWithAuthor> = {}): CommentWithAuthor => ({
  id: 'k1',
  finding_id: 'f1',
  client_id: 'c1',
  author_id: 'u1',
  body: 'hello @[Sam](u9) *x*',
  internal: 1,
  shared_by: 'u2',
  shared_at: T + 2,
  client_message_id: 'cm1',
  created_at: T,
  edited_at: T + 1,
  deleted_at: null,
  author_name: 'Ana',
  author_kind: 'staff',
  author_org: null,
  ...o,
});
const attachment = (o: Partial<AttachmentRow> = {}): AttachmentRow => ({
  id: 'a1',
  client_id: 'c1',
  uploader_id: 'u1',
  purpose: 'chat',
  message_id: 7,
  round_id: null,
  kind: 'image',
  file: 'f.webp',
  thumb_file: 't.webp',
  original_name: 'pic.png',
  mime: 'image/webp',
  size: 5,
  width: 6,
  height: 7,
  created_at: T,
  ...o,
});
const attachmentDto = (id: string, thumb = true) => ({
  id,
  kind: 'image',
  name: 'pic.png',
  mime: 'image/webp',
  size: 5,
  width: 6,
  height: 7,
  url: `/api/attachments/${id}`,
  thumbUrl: thumb ? `/api/attachments/${id}/thumb` : null,
});
const message = (o: Partial<MessageWithAuthor> = {}): MessageWithAuthor => ({
  id: 7,
  client_id: 'c1',
  author_id: 'u2',
  body: 'hi *there*',
  client_message_id: 'cm7',
  created_at: T,
  edited_at: null,
  deleted_at: null,
  author_name: 'Pat',
  author_kind: 'portal',
  author_org: 'Acme',
  ...o,
});

describe('collaboration presenters', () => {
  it('a comment: the rendered body, staff bookkeeping for staff only; a deleted one shows no body', () => {
    const base = {
      id: 'k1',
      findingId: 'f1',
      author: { id: 'u1', name: 'Ana', kind: 'staff' },
      bodyHtml: renderCommentHtml('hello @[Sam](u9) *x*'),
      body: 'hello @[Sam](u9) *x*',
      clientMessageId: 'cm1',
      createdAt: iso(T),
      editedAt: iso(T + 1),
      deleted: false,
    };
    expect(presentComment(comment(), STAFF_PROFILE)).toEqual({ ...base, internal: true, sharedAt: iso(T + 2) });
    expect(presentComment(comment({ internal: 0, shared_at: null, edited_at: null }), STAFF_PROFILE)).toMatchObject({
      internal: false,
      sharedAt: null,
      editedAt: null,
    });
    expect(presentComment(comment(), PORTAL)).toEqual(base);
    expect(presentComment(comment({ deleted_at: T + 3 }), PORTAL)).toEqual({ ...base, bodyHtml: '', body: '', deleted: true });
  });

  it('an attachment: the URL of the file, the thumbnail only when there is one', () => {
    expect(presentAttachment(attachment(), PORTAL)).toEqual(attachmentDto('a1'));
    expect(presentAttachment(attachment({ thumb_file: null }), STAFF_PROFILE)).toEqual(attachmentDto('a1', false));
  });

  it('a message: rendered body and files; a deleted one shows neither', () => {
    const base = {
      id: 7,
      clientId: 'c1',
      author: { id: 'u2', name: 'Pat', kind: 'portal' },
      bodyHtml: renderMarkdown('hi *there*'),
      body: 'hi *there*',
      clientMessageId: 'cm7',
      attachments: [attachmentDto('a1')],
      createdAt: iso(T),
      editedAt: null,
      deleted: false,
    };
    expect(base.bodyHtml).toContain('<em>there</em>');
    const portal = presentMessage(message(), [attachment()], PORTAL);
    expect(portal).toEqual(base);
    // The author's organisation badge is for staff only: a portal payload has no such key at all.
    expect('org' in portal.author).toBe(false);
    expect(JSON.stringify(portal)).not.toContain('Acme');
    expect(presentMessage(message({ edited_at: T + 1, deleted_at: T + 2 }), [attachment()], STAFF_PROFILE)).toEqual({
      ...base,
      author: { id: 'u2', name: 'Pat', kind: 'portal', org: 'Acme' },
      bodyHtml: '',
      body: '',
      attachments: [],
      editedAt: iso(T + 1),
      deleted: true,
    });
  });

  it('a notification: read or not', () => {
    const n: NotificationRow = {
      id: 3,
      user_id: 'u1',
      client_id: 'c1',
      kind: 'mention',
      actor_id: 'u2',
      finding_id: 'f1',
      text: 'Ana mentioned you',
      link: '/x',
      created_at: T,
      read_at: null,
      emailed_at: null,
      count: 2,
      authors: '["Ana","Bo"]',
      mail_pending: 0,
    };
    const dto = { id: 3, kind: 'mention', text: 'Ana mentioned you', link: '/x', createdAt: iso(T), read: false, count: 2, authors: ['Ana', 'Bo'] };
    expect(presentNotification(n, PORTAL)).toEqual(dto);
    expect(presentNotification({ ...n, read_at: T + 1 }, STAFF_PROFILE)).toEqual({ ...dto, read: true });
    // The acting client user's organisation: a staff badge only; a portal payload has no such key.
    expect(presentNotification(n, STAFF_PROFILE, 'Acme').actorOrg).toBe('Acme');
    expect('actorOrg' in presentNotification(n, PORTAL, 'Acme')).toBe(false);
  });

  describe('loaders', () => {
    let db: Db;
    let close: () => void;
    const dir = tempDir('debrief-presenters-');
    beforeAll(async () => {
      const opened = openDatabase(path.join(dir, 'db.sqlite'));
      db = opened.db;
      close = () => opened.sqlite.close();
      await migrateToLatest(db);
      const now = T;
      await db
        .insertInto('clients')
        .values({
          id: 'c1',
          name: 'Acme',
          portal_enabled: 1,
          archived_at: null,
          session_idle_minutes: null,
          session_absolute_hours: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      for (const [id, kind, name] of [
        ['u1', 'staff', 'Ana'],
        ['u2', 'portal', 'Pat'],
      ] as const) {
        await db
          .insertInto('users')
          .values({
            id,
            kind,
            role: kind === 'staff' ? 'analyst' : 'collaborator',
            client_id: kind === 'staff' ? null : 'c1',
            email: `${id}@x.test`,
            name,
            password_hash: 'x',
            status: 'active',
            created_at: now,
            updated_at: now,
          } as never)
          .execute();
      }
      const msg = (id: number, author: string): ChatMessageRow => ({
        id,
        client_id: 'c1',
        author_id: author,
        body: `m${id}`,
        client_message_id: `cm${id}`,
        created_at: now + id,
        edited_at: null,
        deleted_at: null,
      });
      await db
        .insertInto('chat_messages')
        .values([msg(1, 'u1'), msg(2, 'u2'), msg(3, 'u2')])
        .execute();
      await db
        .insertInto('attachments')
        .values([
          attachment({ id: 'b', message_id: 1, created_at: now + 2 }),
          attachment({ id: 'a', message_id: 1, created_at: now + 1 }),
          attachment({ id: 'c', message_id: 2, created_at: now + 3 }),
          attachment({ id: 'd', message_id: 3, created_at: now + 4 }),
        ])
        .execute();
      await db
        .insertInto('projects')
        .values({
          id: 'p1',
          client_id: 'c1',
          name: 'Web',
          status: 'active',
          start_date: null,
          end_date: null,
          created_by: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await db
        .insertInto('findings')
        .values({ ...finding, published_at: now } as never)
        .execute();
      await db
        .insertInto('comments')
        .values([
          {
            id: 'k1',
            finding_id: 'f1',
            client_id: 'c1',
            author_id: 'u1',
            body: 'one',
            internal: 0,
            shared_by: null,
            shared_at: null,
            client_message_id: 'x1',
            created_at: now,
            edited_at: null,
            deleted_at: null,
          },
          {
            id: 'k2',
            finding_id: 'f1',
            client_id: 'c1',
            author_id: 'u2',
            body: 'two',
            internal: 0,
            shared_by: null,
            shared_at: null,
            client_message_id: 'x2',
            created_at: now,
            edited_at: null,
            deleted_at: null,
          },
        ] as never)
        .execute();
    });
    afterAll(() => {
      close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('load the asked comments with their authors, and nothing for no ids', async () => {
      const got = await loadComments(db, ['k2', 'nope']);
      expect([...got.keys()]).toEqual(['k2']);
      expect(got.get('k2')).toMatchObject({ id: 'k2', body: 'two', author_name: 'Pat', author_kind: 'portal' });
      expect((await loadComments(db, [])).size).toBe(0);
    });

    it('load the asked messages with their authors and their files by message, oldest file first', async () => {
      const got = await loadMessages(db, [1, 2]);
      expect([...got.messages.keys()].sort()).toEqual([1, 2]);
      expect(got.messages.get(1)).toMatchObject({ body: 'm1', author_name: 'Ana', author_kind: 'staff' });
      expect(got.messages.get(2)).toMatchObject({ body: 'm2', author_name: 'Pat', author_kind: 'portal' });
      expect([...got.attachments.entries()].map(([k, v]) => [k, v.map((a) => a.id)]).sort()).toEqual([
        [1, ['a', 'b']],
        [2, ['c']],
      ]);
      const none = await loadMessages(db, []);
      expect([none.messages.size, none.attachments.size]).toEqual([0, 0]);
    });
  });
});

describe('dashboard presenters', () => {
  const summary: FindingSummaryRow = {
    id: 'f1',
    project_id: 'p1',
    title: 'SQLi',
    severity: 'high',
    status: 'open',
    cvss_score: 9.8,
    published_at: T,
    updated_at: T + 1,
    due_paused_ms: 0,
    due_paused_at: null,
  };
  it('a findings-table row with its deadline; the CVSS score goes when the client hides CVSS', () => {
    const dto = {
      id: 'f1',
      projectId: 'p1',
      title: 'SQLi',
      severity: 'high',
      status: 'open',
      cvssScore: 9.8,
      dueAt: iso(T + 5),
      overdue: true,
      duePaused: true,
      publishedAt: iso(T),
      updatedAt: iso(T + 1),
    };
    expect(presentFindingSummary(summary, { dueAt: T + 5, overdue: true, paused: true }, PORTAL)).toEqual(dto);
    const { cvssScore: _, ...noCvss } = dto;
    expect(
      presentFindingSummary(
        { ...summary, published_at: null },
        { dueAt: null, overdue: false, paused: false },
        portalProfile({ id: 'c1', visible_fields: '{"cvss":false}' }),
      ),
    ).toEqual({ ...noCvss, dueAt: null, overdue: false, duePaused: false, publishedAt: null });
  });

  it('counts per project by severity, total and open', () => {
    expect(emptyCounts()).toEqual({ critical: 0, high: 0, medium: 0, low: 0, informational: 0, total: 0, open: 0 });
    const got = countsByProject([
      { projectId: 'p1', severity: 'high', status: 'open', n: 2 },
      { projectId: 'p1', severity: 'high', status: 'closed', n: 1 },
      { projectId: 'p1', severity: 'low', status: 'pending_verification', n: 4 },
      { projectId: 'p2', severity: 'critical', status: 'verified_fixed', n: 5 },
    ]);
    expect(Object.fromEntries(got)).toEqual({
      p1: { critical: 0, high: 3, medium: 0, low: 4, informational: 0, total: 7, open: 6 },
      p2: { critical: 5, high: 0, medium: 0, low: 0, informational: 0, total: 5, open: 0 },
    });
  });

  it('open findings by severity, every severity present', () => {
    expect(
      presentOpenBySeverity([
        { severity: 'high', n: 2 },
        { severity: 'low', n: 1 },
        { severity: 'high', n: 3 },
      ]),
    ).toEqual({ critical: 0, high: 5, medium: 0, low: 1, informational: 0 });
  });

  it('progress as a rounded percentage, zero for an empty project', () => {
    expect(
      presentProgress([
        { projectId: 'p1', name: 'A', total: 3, resolved: 2 },
        { projectId: 'p2', name: 'B', total: 0, resolved: 0 },
        { projectId: 'p3', name: 'C', total: 8, resolved: 1 },
      ]),
    ).toEqual([
      { projectId: 'p1', name: 'A', total: 3, resolved: 2, percent: 67 },
      { projectId: 'p2', name: 'B', total: 0, resolved: 0, percent: 0 },
      { projectId: 'p3', name: 'C', total: 8, resolved: 1, percent: 13 },
    ]);
  });

  it('activity: the latest events of every source, newest first, as sentences with links', () => {
    const got = presentActivity(
      {
        publications: [{ id: 'f1', title: 'SQLi', at: T + 10 }],
        statusChanges: [
          { id: 'f2', title: 'XSS', at: T + 30, from_status: 'open', to_status: 'pending_verification' },
          { id: 'f3', title: 'CSRF', at: T + 5, from_status: null, to_status: 'risk_accepted' },
        ],
        reports: [{ id: 'r1', title: 'Final', version: 2, project_id: 'p1', project_name: 'Web', at: T + 20 }],
      },
      3,
    );
    expect(got).toEqual([
      { kind: 'status_changed', text: 'XSS: Open → Pending verification', link: '/portal/findings/f2', at: iso(T + 30) },
      { kind: 'report_published', text: 'Report published: Final v2 (Web)', link: '/portal/reports', at: iso(T + 20) },
      { kind: 'finding_published', text: 'New finding published: SQLi', link: '/portal/findings/f1', at: iso(T + 10) },
    ]);
    expect(presentActivity({ statusChanges: [{ id: 'f3', title: 'CSRF', at: T, from_status: null, to_status: 'risk_accepted' }] }, 5)).toEqual([
      { kind: 'status_changed', text: 'CSRF: Open → Risk accepted', link: '/portal/findings/f3', at: iso(T) },
    ]);
    expect(presentActivity({}, 5)).toEqual([]);
    const words = presentActivity(
      {
        statusChanges: (['verified_fixed', 'not_fixed', 'partially_fixed', 'closed'] as const).map((s, i) => ({
          id: 'f',
          title: 't',
          at: T + i,
          from_status: 'open' as const,
          to_status: s,
        })),
      },
      10,
    ).map((a) => a.text);
    expect(words).toEqual(['t: Open → Closed', 't: Open → Partially fixed', 't: Open → Not fixed', 't: Open → Verified fixed']);
  });
});

describe('remediation presenters', () => {
  const ana = { id: 'u1', name: 'Ana', kind: 'staff' as const, org: null };
  const pat = { id: 'u2', name: 'Pat', kind: 'portal' as const, org: 'Acme' };
  const round: RoundWithPeople = {
    id: 'rd1',
    finding_id: 'f1',
    client_id: 'c1',
    round_no: 2,
    retest_request_id: 'rq1',
    submitted_by: 'u2',
    submitted_at: T,
    submit_notes: 'fixed it',
    verdict: 'not_fixed',
    verdict_by: 'u1',
    verdict_at: T + 1,
    verdict_notes: 'still there',
    submitter: pat,
    judge: ana,
  };

  it('a round: the submitter’s files with the submission, everyone else’s with the verdict', () => {
    const files = [
      attachment({ id: 's1', uploader_id: 'u2' }),
      attachment({ id: 'v1', uploader_id: 'u1', thumb_file: null }),
      attachment({ id: 's2', uploader_id: 'u2' }),
    ];
    expect(presentRound(round, files, PORTAL)).toEqual({
      id: 'rd1',
      roundNo: 2,
      retestRequestId: 'rq1',
      submittedBy: { id: 'u2', name: 'Pat', kind: 'portal' },
      submittedAt: iso(T),
      submitNotes: 'fixed it',
      submitAttachments: [attachmentDto('s1'), attachmentDto('s2')],
      verdict: 'not_fixed',
      verdictBy: { id: 'u1', name: 'Ana', kind: 'staff' },
      verdictAt: iso(T + 1),
      verdictNotes: 'still there',
      verdictAttachments: [attachmentDto('v1', false)],
    });
    expect(JSON.stringify(presentRound(round, files, PORTAL))).not.toContain('Acme');
    // Staff see the client author's organisation; the firm's own people carry none.
    const staff = presentRound(round, files, STAFF_PROFILE);
    expect(staff.submittedBy).toEqual({ id: 'u2', name: 'Pat', kind: 'portal', org: 'Acme' });
    expect(staff.verdictBy?.org).toBeUndefined();
    expect(presentRound({ ...round, verdict: null, verdict_by: null, verdict_at: null, verdict_notes: null, judge: null }, [], STAFF_PROFILE)).toMatchObject({
      verdict: null,
      verdictBy: null,
      verdictAt: null,
      verdictNotes: null,
      submitAttachments: [],
      verdictAttachments: [],
    });
  });

  it('a retest request: the client name and unpublished findings for staff only', () => {
    const r: RetestWithPeople = {
      id: 'rq1',
      client_id: 'c1',
      requested_by: 'u2',
      message: 'please',
      status: 'scheduled',
      scheduled_for: '2026-03-01',
      created_at: T,
      updated_at: T + 1,
      requester: pat,
      client_name: 'Acme',
      round_ids: ['rd1'],
      findings: [
        { id: 'f1', title: 'SQLi', severity: 'high', status: 'open', published: 1 },
        { id: 'f2', title: 'Draft', severity: 'low', status: 'open', published: 0 },
      ],
    };
    const base = {
      id: 'rq1',
      clientId: 'c1',
      requestedBy: { id: 'u2', name: 'Pat', kind: 'portal' },
      message: 'please',
      status: 'scheduled',
      scheduledFor: '2026-03-01',
      roundIds: ['rd1'],
      createdAt: iso(T),
      updatedAt: iso(T + 1),
    };
    const f1 = { id: 'f1', title: 'SQLi', severity: 'high', status: 'open' };
    expect(presentRetest(r, STAFF_PROFILE)).toEqual({
      ...base,
      clientName: 'Acme',
      requestedBy: { id: 'u2', name: 'Pat', kind: 'portal', org: 'Acme' },
      findings: [f1, { id: 'f2', title: 'Draft', severity: 'low', status: 'open' }],
    });
    const portal = presentRetest(r, PORTAL);
    expect(portal).toEqual({ ...base, findings: [f1] });
    expect('clientName' in portal).toBe(false);
    expect('org' in portal.requestedBy).toBe(false);
  });
});

describe('account presenters', () => {
  const row: MemberRow = {
    id: 'u1',
    name: 'Pat',
    email: 'pat@x.test',
    role: 'viewer',
    status: 'invited',
    last_login_at: null,
    held_email: null,
    held_reason: null,
    invited_at: null,
    mfa_enabled: 0,
    pending_email: null,
    pending_expires_at: null,
    mail_status: null,
    mail_error: null,
    mail_at: null,
  };

  it('a member: the address typed for a held invitation; that it was held for staff only; the invitation time as a number', () => {
    const base = {
      id: 'u1',
      name: 'Pat',
      email: 'pat@x.test',
      role: 'viewer',
      status: 'invited',
      lastLoginAt: null,
      invitedAt: null,
      mfaEnabled: false,
      pendingEmail: null,
      mailFailed: null,
    };
    expect(presentMember(row, 'staff')).toEqual(base);
    const held = { ...row, held_email: 'typed@x.test', held_reason: 'other_client' as const, invited_at: '1700' as unknown as number, last_login_at: T };
    expect(presentMember(held, 'staff')).toEqual({ ...base, email: 'typed@x.test', invitedAt: 1700, lastLoginAt: T, held: 'other_client' });
    expect(presentMember(held, 'portal')).toEqual({ ...base, email: 'typed@x.test', invitedAt: 1700, lastLoginAt: T });
  });

  it('a member: 2FA set up, a pending change of address, and a failed link mail whose server error only staff read', () => {
    const r = {
      ...row,
      status: 'active' as const,
      mfa_enabled: '1',
      pending_email: 'new@x.test',
      pending_expires_at: '99',
      mail_status: 'failed',
      mail_error: '550 no such user',
      mail_at: '42',
    };
    expect(presentMember(r, 'staff')).toMatchObject({
      mfaEnabled: true,
      pendingEmail: { email: 'new@x.test', expiresAt: 99 },
      mailFailed: { at: 42, error: '550 no such user' },
    });
    expect(presentMember(r, 'portal').mailFailed).toEqual({ at: 42, error: null });
    expect(presentMember({ ...r, mail_status: 'sent' }, 'staff').mailFailed).toBeNull();
  });

  it('the signed-in user and the firm (defaults when there is no firm row yet)', () => {
    expect(presentSelf({ id: 'u1', kind: 'portal', role: 'manager', client_id: 'c1', email: 'a@x.test', name: 'Ana' })).toEqual({
      id: 'u1',
      kind: 'portal',
      role: 'manager',
      clientId: 'c1',
      email: 'a@x.test',
      name: 'Ana',
    });
    expect(presentFirm(undefined)).toEqual({ name: 'Debrief', supportEmail: null, supportPhone: null });
    expect(presentFirm({ name: 'Acme Sec', support_email: 's@acme.test', support_phone: '+1 555' } as FirmRow)).toEqual({
      name: 'Acme Sec',
      supportEmail: 's@acme.test',
      supportPhone: '+1 555',
    });
  });

  it('a client as staff see it', () => {
    const c: ClientRow = {
      id: 'c1',
      name: 'Acme',
      portal_enabled: 1,
      archived_at: null,
      ip_allowlist: '["10.0.0.0/8"]',
      session_idle_minutes: 15,
      session_absolute_hours: 8,
      modules: '{"chat":false}',
      visible_fields: '{"cvss":false}',
      passkeys_only: 1,
      created_at: T,
      updated_at: T + 1,
    };
    expect(presentClient(c, 4)).toEqual({
      id: 'c1',
      name: 'Acme',
      portalEnabled: true,
      archivedAt: null,
      ipAllowlist: ['10.0.0.0/8'],
      sessionIdleMinutes: 15,
      sessionAbsoluteHours: 8,
      modules: { projects: true, findings: true, reports: true, chat: false, activity: true },
      visibleFields: { cvss: false, technicalDetails: true, references: true, evidence: true },
      passkeysOnly: true,
      userCount: 4,
      createdAt: T,
      updatedAt: T + 1,
    });
    expect(presentClient({ ...c, portal_enabled: 0, archived_at: T + 2, ip_allowlist: 'oops' }, 0)).toMatchObject({
      portalEnabled: false,
      archivedAt: T + 2,
      ipAllowlist: [UNREADABLE_ALLOWLIST],
    });
  });
});
