import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import type { Agent } from '../support/http.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';
import { postRaw, tinyPdf } from '../support/evidence.js';
import { smallPng } from '../support/images.js';
import { enrolTotp } from '../support/totp.js';
import { ask, connected, connectSocket } from '../support/socket.js';
import { AUDIT_UA, auditRowsAfter, expectOneRow, lastAuditId, type AuditRow } from '../support/audit.js';

/**
 * The audit trail's action rows (issue 15, point 10), table-driven over HTTP and sockets on the
 * real server: each action a person takes writes EXACTLY ONE complete row, in the action's own
 * transaction, with the actor and kind, the client, the target (ids only, never a body), IP, user
 * agent, outcome and request id. Runs on SQLite and (TEST_DATABASE=postgres) PostgreSQL.
 */

let app: TestApp;
let w: Awaited<ReturnType<typeof world>>;
let as: Record<'admin' | 'analyst' | 'manager' | 'collaborator' | 'viewer', Agent>;
const sockets: Socket[] = [];

async function world(a: TestApp) {
  await buildFirm(a.db, { name: 'Northwind Security' });
  const client = await buildClient(a.db);
  const other = await buildClient(a.db);
  const finding = await buildFinding(a.db, { client_id: client.id, published: true });
  return {
    client,
    other,
    finding,
    project: await a.db.selectFrom('projects').selectAll().where('id', '=', finding.project_id).executeTakeFirstOrThrow(),
    findingB: await buildFinding(a.db, { client_id: other.id, published: true }),
    admin: await buildStaff(a.db, { role: 'admin' }),
    analyst: await buildStaff(a.db, { role: 'analyst' }),
    manager: await buildPortalUser(a.db, { client_id: client.id, role: 'manager' }),
    collaborator: await buildPortalUser(a.db, { client_id: client.id, role: 'collaborator' }),
    viewer: await buildPortalUser(a.db, { client_id: client.id, role: 'viewer' }),
  };
}

async function agentOf(user: UserRow): Promise<Agent> {
  const agent = await signIn(app, user);
  agent.defaultHeaders['user-agent'] = AUDIT_UA;
  return agent;
}

async function socketOf(agent: Agent): Promise<Socket> {
  const s = connectSocket(app, agent, { headers: { 'user-agent': AUDIT_UA } });
  sockets.push(s);
  return connected(s);
}

beforeAll(async () => {
  app = await startTestApp();
  w = await world(app);
  as = {
    admin: await agentOf(w.admin),
    analyst: await agentOf(w.analyst),
    manager: await agentOf(w.manager),
    collaborator: await agentOf(w.collaborator),
    viewer: await agentOf(w.viewer),
  };
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await app.close();
});

const ok = <T>(res: { status: number; body: T; text: string }, status = 200) => {
  expect(res.status, res.text).toBe(status);
  return res.body as T & Record<string, any>;
};
const cmid = () => randomUUID().replace(/-/g, '');
const details = (row: AuditRow) => JSON.parse(row.details ?? 'null');
const asPortal = (u: UserRow) => ({ actor_id: u.id, actor_kind: 'portal', actor_email: u.email });
const asStaff = (u: UserRow) => ({ actor_id: u.id, actor_kind: 'staff', actor_email: u.email });

describe('comments, notes and chat: one row each, ids only', () => {
  it('comment, internal note, socket comment, edit, share, delete', async () => {
    const f = w.finding.id;
    let commentId = '';
    const c = await expectOneRow(
      app,
      async () =>
        (commentId = ok(await as.collaborator.post(`/api/findings/${f}/comments`, { body: 'SECRET-COMMENT-BODY', clientMessageId: cmid() }), 201).comment.id),
      { action: 'comment.created', outcome: 'success', ...asPortal(w.collaborator), client_id: w.client.id, target_type: 'comment' },
    );
    expect([c.target_id, details(c)]).toEqual([commentId, { findingId: f }]);
    let noteId = '';
    await expectOneRow(
      app,
      async () =>
        (noteId = ok(await as.analyst.post(`/api/findings/${f}/comments`, { body: 'SECRET-NOTE-BODY', internal: true, clientMessageId: cmid() }), 201).comment
          .id),
      { action: 'note.created', ...asStaff(w.analyst), client_id: w.client.id, target_type: 'comment' },
    );
    const s = await socketOf(as.manager);
    const viaSocket = await expectOneRow(
      app,
      async () => expect((await ask(s, 'comment:create', { findingId: f, body: 'SECRET-SOCKET-BODY', clientMessageId: cmid() })).ok).toBe(true),
      { action: 'comment.created', ...asPortal(w.manager), client_id: w.client.id },
    );
    expect(viaSocket.request_id).toMatch(new RegExp(`^${s.id}:`));
    await expectOneRow(app, async () => ok(await as.collaborator.patch(`/api/comments/${commentId}`, { body: 'SECRET-EDITED-BODY' })), {
      action: 'comment.edited',
      target_id: commentId,
      client_id: w.client.id,
    });
    await expectOneRow(app, async () => ok(await as.analyst.post(`/api/comments/${noteId}/share`)), {
      action: 'comment.shared',
      target_id: noteId,
      client_id: w.client.id,
    });
    await expectOneRow(app, async () => ok(await as.collaborator.delete(`/api/comments/${commentId}`), 204), {
      action: 'comment.deleted',
      target_id: commentId,
    });
    const all = JSON.stringify(await auditRowsAfter(app, 0));
    expect(all).not.toMatch(/SECRET-(COMMENT|NOTE|SOCKET|EDITED)-BODY/);
  });

  it('chat message over HTTP and socket, edit, delete', async () => {
    let id = 0;
    const sent = await expectOneRow(
      app,
      async () => (id = ok(await as.manager.post(`/api/chat/${w.client.id}/messages`, { body: 'SECRET-CHAT-BODY', clientMessageId: cmid() }), 201).message.id),
      { action: 'chat.message_sent', ...asPortal(w.manager), client_id: w.client.id, target_type: 'chat_message' },
    );
    expect(sent.target_id).toBe(String(id));
    const s = await socketOf(as.analyst);
    await expectOneRow(
      app,
      async () => expect((await ask(s, 'message:send', { clientId: w.client.id, body: 'SECRET-CHAT-SOCKET', clientMessageId: cmid() })).ok).toBe(true),
      { action: 'chat.message_sent', ...asStaff(w.analyst), client_id: w.client.id },
    );
    await expectOneRow(app, async () => ok(await as.manager.patch(`/api/chat/messages/${id}`, { body: 'SECRET-CHAT-EDIT' })), {
      action: 'chat.message_edited',
      target_id: String(id),
      client_id: w.client.id,
    });
    await expectOneRow(app, async () => ok(await as.manager.delete(`/api/chat/messages/${id}`)), { action: 'chat.message_deleted', target_id: String(id) });
    expect(JSON.stringify(await auditRowsAfter(app, 0))).not.toMatch(/SECRET-CHAT/);
  });
});

describe('files: shares and downloads with file id, bytes and the client', () => {
  it('a chat file shared and downloaded; a report uploaded, published, downloaded; evidence shared', async () => {
    const png = await smallPng();
    let fileId = '';
    await expectOneRow(
      app,
      async () =>
        (fileId = ok(await postRaw(app, as.manager, `/chat/${w.client.id}/attachments?name=shot.png`, png, 'image/png', { 'user-agent': AUDIT_UA }), 201)
          .attachment.id),
      { action: 'attachment.uploaded', ...asPortal(w.manager), client_id: w.client.id, target_type: 'attachment' },
    );
    const down = await expectOneRow(app, async () => ok(await as.manager.get(`/api/attachments/${fileId}`)), {
      action: 'attachment.downloaded',
      outcome: 'success',
      client_id: w.client.id,
      target_id: fileId,
    });
    expect(details(down).bytes).toBeGreaterThan(0);

    let reportId = '';
    await expectOneRow(
      app,
      async () =>
        (reportId = ok(
          await postRaw(app, as.analyst, `/projects/${w.project.id}/reports?title=Final`, tinyPdf(), 'application/pdf', { 'user-agent': AUDIT_UA }),
          201,
        ).report.id),
      { action: 'report.uploaded', ...asStaff(w.analyst), client_id: w.client.id, target_type: 'report' },
    );
    await expectOneRow(app, async () => ok(await as.analyst.patch(`/api/reports/${reportId}`, { published: true })), {
      action: 'report.updated',
      target_id: reportId,
    });
    const report = await expectOneRow(app, async () => ok(await as.viewer.get(`/api/reports/${reportId}/download`)), {
      action: 'report.downloaded',
      outcome: 'success',
      ...asPortal(w.viewer),
      client_id: w.client.id,
      target_id: reportId,
    });
    expect(details(report).bytes).toBe(tinyPdf().length);

    let evidenceId = '';
    await expectOneRow(
      app,
      async () =>
        (evidenceId = ok(await postRaw(app, as.analyst, `/findings/${w.finding.id}/evidence?name=shot.png`, png, 'image/png', { 'user-agent': AUDIT_UA }), 201)
          .evidence.id),
      { action: 'evidence.uploaded', client_id: w.client.id, target_type: 'evidence' },
    );
    await expectOneRow(app, async () => ok(await as.analyst.patch(`/api/evidence/${evidenceId}`, { shared: true })), {
      action: 'evidence.updated',
      target_id: evidenceId,
    });
  });

  it('a file name with CR/LF, a fake JSON fragment, ANSI escapes and 900 characters (names over 1,000 are refused with 400, a 100 KB URL by the HTTP parser): one row, its name without control characters and capped', async () => {
    const name = encodeURIComponent('evil\r\n{"action":"auth.login"}\u001b[31m' + 'n'.repeat(900) + '.png');
    const row = await expectOneRow(
      app,
      async () =>
        ok(await postRaw(app, as.manager, `/chat/${w.client.id}/attachments?name=${name}`, await smallPng(), 'image/png', { 'user-agent': AUDIT_UA }), 201),
      {
        action: 'attachment.uploaded',
      },
    );
    const stored = details(row).name as string;
    // eslint-disable-next-line no-control-regex
    expect(stored).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(stored.length).toBeLessThanOrEqual(200);
    expect(stored.slice(0, 34)).toBe('evil{"action":"auth.login"}[31mnnn');
  });

  it("another client's report: one denied download row, no second refusal row", async () => {
    const before = await lastAuditId(app);
    const theirs = await buildFinding(app.db, { client_id: w.other.id, published: true });
    const reportId = ok(
      await postRaw(app, as.analyst, `/projects/${theirs.project_id}/reports?title=B`, tinyPdf(), 'application/pdf', { 'user-agent': AUDIT_UA }),
      201,
    ).report.id;
    ok(await as.analyst.patch(`/api/reports/${reportId}`, { published: true }));
    await expectOneRow(app, async () => expect((await as.manager.get(`/api/reports/${reportId}/download`)).status).toBe(404), {
      action: 'report.downloaded',
      outcome: 'denied',
      ...asPortal(w.manager),
      target_id: reportId,
    });
    expect((await auditRowsAfter(app, before)).filter((r) => r.action === 'authz.denied')).toEqual([]);
  });
});

describe('remediation and retests', () => {
  it('status change, marked remediated, verdict, retest requested and scheduled', async () => {
    const f = (await buildFinding(app.db, { client_id: w.client.id, published: true })).id;
    await expectOneRow(app, async () => ok(await as.manager.post(`/api/findings/${f}/remediation/submit`, { notes: 'Patched', attachmentIds: [] })), {
      action: 'remediation.submitted',
      ...asPortal(w.manager),
      client_id: w.client.id,
      target_type: 'finding',
      target_id: f,
    });
    await expectOneRow(
      app,
      async () => ok(await as.analyst.post(`/api/findings/${f}/remediation/verdict`, { verdict: 'not_fixed', notes: 'Still there', attachmentIds: [] })),
      {
        action: 'remediation.verdict_given',
        ...asStaff(w.analyst),
        target_id: f,
      },
    );
    await expectOneRow(app, async () => ok(await as.analyst.post(`/api/findings/${f}/status`, { status: 'risk_accepted', note: 'Accepted by the client' })), {
      action: 'finding.status_changed',
      target_id: f,
      client_id: w.client.id,
    });
    const g = (await buildFinding(app.db, { client_id: w.client.id, published: true })).id;
    ok(await as.manager.post(`/api/findings/${g}/remediation/submit`, { notes: 'Patched', attachmentIds: [] }));
    let retestId = '';
    await expectOneRow(app, async () => (retestId = ok(await as.manager.post('/api/retests', { findingIds: [g], message: 'Please retest' }), 201).retest.id), {
      action: 'retest.requested',
      client_id: w.client.id,
      target_type: 'retest_request',
    });
    await expectOneRow(app, async () => ok(await as.analyst.patch(`/api/retests/${retestId}`, { status: 'scheduled', scheduledFor: '2027-03-01' })), {
      action: 'retest.updated',
      target_id: retestId,
    });
  });
});

describe('people and settings (settings with before and after)', () => {
  it('invite, role change, removal, MFA reset', async () => {
    let userId = '';
    await expectOneRow(
      app,
      async () =>
        (userId = ok(await as.manager.post('/api/portal/users', { email: 'new-person@example.test', name: 'New Person', role: 'viewer' }), 201).member.id),
      {
        action: 'invitation.sent',
        ...asPortal(w.manager),
        client_id: w.client.id,
        target_type: 'user',
      },
    );
    const enrolled = await buildPortalUser(app.db, { client_id: w.client.id, role: 'viewer' });
    const role = await expectOneRow(app, async () => ok(await as.manager.patch(`/api/portal/users/${enrolled.id}`, { role: 'collaborator' })), {
      action: 'user.updated',
      target_id: enrolled.id,
      client_id: w.client.id,
    });
    expect(details(role)).toEqual({ role: { from: 'viewer', to: 'collaborator' } });
    await enrolTotp(app, enrolled);
    await expectOneRow(app, async () => ok(await as.admin.post(`/api/admin/users/${enrolled.id}/mfa-reset`, {}), 204), {
      action: 'mfa.reset',
      ...asStaff(w.admin),
      target_id: enrolled.id,
      client_id: w.client.id,
    });
    await expectOneRow(app, async () => ok(await as.manager.post(`/api/portal/users/${userId}/remove`)), {
      action: 'user.removed',
      target_id: userId,
      client_id: w.client.id,
    });
  });

  it('company, security and client settings: the changed values before and after', async () => {
    const firm = await expectOneRow(app, async () => ok(await as.admin.put('/api/firm', { name: 'Northwind Audit', supportEmail: null, supportPhone: null })), {
      action: 'firm.updated',
      ...asStaff(w.admin),
      client_id: null,
      target_type: 'firm',
    });
    expect(details(firm)).toMatchObject({ before: { name: 'Northwind Security' }, after: { name: 'Northwind Audit' } });
    const sec = await expectOneRow(app, async () => ok(await as.admin.put('/api/admin/security', { sessionIdleMinutes: 45 })), {
      action: 'firm.security_updated',
    });
    expect(details(sec)).toEqual({ before: { sessionIdleMinutes: null }, after: { sessionIdleMinutes: 45 } });
    const client = await expectOneRow(app, async () => ok(await as.analyst.patch(`/api/clients/${w.client.id}`, { sessionAbsoluteHours: 8 })), {
      action: 'client.updated',
      target_id: w.client.id,
    });
    expect(details(client)).toEqual({ before: { sessionAbsoluteHours: null }, after: { sessionAbsoluteHours: 8 } });
  });
});

describe('what people opened, and what they were refused', () => {
  it('a portal read, a refused write (403) and a refused socket event: one row each', async () => {
    await expectOneRow(app, async () => ok(await as.viewer.get(`/api/portal/findings/${w.finding.id}`)), {
      action: 'portal.viewed',
      ...asPortal(w.viewer),
      client_id: w.client.id,
      target_type: 'finding',
      target_id: w.finding.id,
    });
    const denied = await expectOneRow(
      app,
      async () => {
        const res = await as.viewer.post('/api/portal/users', { email: 'x@example.test', name: 'X', role: 'viewer' });
        expect(res.status, res.text).toBe(403);
      },
      {
        action: 'authz.denied',
        outcome: 'denied',
        ...asPortal(w.viewer),
        client_id: w.client.id,
      },
    );
    expect(details(denied)).toEqual({ route: 'POST /api/portal/users', status: 403, code: 'forbidden' });
    const s = await socketOf(as.manager);
    const socketDenied = await expectOneRow(
      app,
      async () => expect((await ask(s, 'presence:join', { target: { kind: 'finding', id: w.findingB.id } })).ok).toBe(false),
      { action: 'authz.denied', ...asPortal(w.manager), target_type: 'finding', target_id: w.findingB.id },
    );
    expect(details(socketDenied)).toMatchObject({ route: 'presence:join', status: 404 });
  });

  it('a made-up id is not a refusal: no row', async () => {
    const before = await lastAuditId(app);
    expect((await as.manager.get(`/api/portal/findings/${randomUUID()}`)).status).toBe(404);
    expect(await auditRowsAfter(app, before)).toEqual([]);
  });
});
