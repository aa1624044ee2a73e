import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildProject, setVisibleFields } from '../support/workspace.js';
import { appWithSockets, ask, connected, connectSocket, disconnected, feedSocket, recordAll, until } from '../support/socket.js';
import { buildFinding } from '../support/workspace.js';

/**
 * Issue 5's isolation test across every live feature at once: a staff member, client A's
 * Collaborator and Viewer, and client B's Manager are connected while staff and people of both
 * clients draft, publish, comment, write internal notes and chat. Every event A may see arrives
 * at both A sockets; nothing of B's arrives at A (nor A's at B); and a canary marker written into
 * every staff-only place (draft titles, internal notes, internal comments, hidden fields) never
 * appears in anything any portal socket receives — checked on every event, whatever its name.
 */

const CANARY = 'CANARY-7f3a-STAFF-ONLY';
const B_MARK = 'B-ONLY-MARK-91c2';

let app: TestApp;
// Every loopback address reaches the app, so a socket can come from outside a client's allowlist.
const open = appWithSockets((a) => void (app = a), { HOST: '0.0.0.0' });

const cid = () => `c${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

describe('everything A may see reaches A; nothing else does', () => {
  it('isolates clients and keeps staff-only content off portal sockets on every event', async () => {
    const A = await buildClient(app.db);
    const B = await buildClient(app.db);
    await setVisibleFields(app.db, A.id, { cvss: false, technicalDetails: false });
    const projectA = await buildProject(app.db, { client_id: A.id });
    const projectB = await buildProject(app.db, { client_id: B.id });
    const analystRow = await buildStaff(app.db, { role: 'analyst' });
    const staff = await signIn(app, analystRow);
    const collabA = await buildPortalUser(app.db, { client_id: A.id, role: 'collaborator' });
    const viewerA = await buildPortalUser(app.db, { client_id: A.id, role: 'viewer' });
    const managerB = await buildPortalUser(app.db, { client_id: B.id, role: 'manager' });
    const agents = { collabA: await signIn(app, collabA), viewerA: await signIn(app, viewerA), managerB: await signIn(app, managerB) };

    const sockets = {
      staff: await feedSocket(app, staff),
      collabA: await feedSocket(app, agents.collabA),
      viewerA: await feedSocket(app, agents.viewerA),
      managerB: await feedSocket(app, agents.managerB),
    };
    Object.values(sockets).forEach((s) => open.push(s.socket));
    const rec = Object.fromEntries(Object.entries(sockets).map(([k, v]) => [k, recordAll(v.socket)])) as Record<
      keyof typeof sockets,
      ReturnType<typeof recordAll>
    >;
    // Presence rooms too: typing and presence are events like any other.
    await ask(sockets.collabA.socket, 'presence:join', { target: { kind: 'channel', id: A.id } });
    await ask(sockets.viewerA.socket, 'presence:join', { target: { kind: 'channel', id: A.id } });
    await ask(sockets.managerB.socket, 'presence:join', { target: { kind: 'channel', id: B.id } });

    // Staff draft a finding for A with the canary everywhere staff-only, then publish it.
    const created = await staff.post(`/api/projects/${projectA.id}/findings`, {
      title: 'Stored XSS in the ticket view',
      severity: 'high',
      description: 'Public description.',
      impact: '',
      remediation: '',
      technicalDetails: `Hidden details ${CANARY}`,
      cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N',
      references: [],
      affectedAssets: [],
      internalNotes: `Internal ${CANARY}`,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const findingA = created.body.finding.id as string;
    const draftTitle = await staff.post(`/api/projects/${projectA.id}/findings`, {
      title: `Draft ${CANARY}`,
      severity: 'low',
      description: '',
      impact: '',
      remediation: '',
      technicalDetails: '',
      references: [],
      affectedAssets: [],
      internalNotes: '',
    });
    expect(draftTitle.status).toBe(201);
    expect((await staff.post(`/api/findings/${findingA}/publish`, { confirm: true })).status).toBe(200);

    // B's own finding, published, with B's marker.
    const fb = await staff.post(`/api/projects/${projectB.id}/findings`, {
      title: `B finding ${B_MARK}`,
      severity: 'medium',
      description: B_MARK,
      impact: '',
      remediation: '',
      technicalDetails: '',
      references: [],
      affectedAssets: [],
      internalNotes: '',
    });
    await staff.post(`/api/findings/${fb.body.finding.id}/publish`, { confirm: true });

    // Comments: an internal note (canary), a public comment, the Collaborator's comment; B's comment.
    expect((await staff.post(`/api/findings/${findingA}/comments`, { body: `Note ${CANARY}`, clientMessageId: cid(), internal: true })).status).toBe(201);
    expect((await staff.post(`/api/findings/${findingA}/comments`, { body: 'We are looking into it.', clientMessageId: cid() })).status).toBe(201);
    expect((await agents.collabA.post(`/api/findings/${findingA}/comments`, { body: 'Fixed in build 42?', clientMessageId: cid() })).status).toBe(201);
    expect((await agents.managerB.post(`/api/findings/${fb.body.finding.id}/comments`, { body: `From B ${B_MARK}`, clientMessageId: cid() })).status).toBe(201);

    // Chat in both channels, over the socket and over HTTP; typing in B's channel.
    expect((await ask(sockets.collabA.socket, 'message:send', { body: 'Hello from A', clientMessageId: cid() })).ok).toBe(true);
    expect((await staff.post(`/api/chat/${A.id}/messages`, { body: 'Hello A, analyst here', clientMessageId: cid() })).status).toBe(201);
    expect((await ask(sockets.managerB.socket, 'message:send', { body: `Hello from B ${B_MARK}`, clientMessageId: cid() })).ok).toBe(true);
    await ask(sockets.managerB.socket, 'typing:start', { target: { kind: 'channel', id: B.id } });

    await app.server.drain();
    await until(() => rec.viewerA.ofType('message:created').length >= 2 && rec.collabA.ofType('comment:created').length >= 2, 'A’s events');
    await new Promise((r) => setTimeout(r, 200));

    // Everything A may see arrived at both A sockets.
    for (const who of ['collabA', 'viewerA'] as const) {
      const r = rec[who];
      expect(r.ofType('finding:published').map((e) => e.data.id)).toEqual([findingA]);
      expect(
        r
          .ofType('comment:created')
          .map((e) => e.data.bodyHtml)
          .join(' '),
      ).toContain('We are looking into it.');
      expect(
        r
          .ofType('comment:created')
          .map((e) => e.data.bodyHtml)
          .join(' '),
      ).toContain('Fixed in build 42?');
      expect(r.ofType('comment:created')).toHaveLength(2);
      expect(
        r
          .ofType('message:created')
          .map((e) => e.data.body)
          .sort(),
      ).toEqual(['Hello A, analyst here', 'Hello from A']);
      for (const e of r.ofType('comment:created')) expect(e.data.internal).toBeUndefined();
    }
    // Staff got everything, including the internal note and the draft.
    expect(rec.staff.ofType('comment:created').length).toBe(4);
    expect(JSON.stringify(rec.staff.events)).toContain(CANARY);

    // The canary and B's marker, checked on every event every portal socket received.
    for (const who of ['collabA', 'viewerA'] as const) {
      const all = JSON.stringify(rec[who].events);
      expect(all).not.toContain(CANARY);
      expect(all).not.toContain(B_MARK);
      expect(all).not.toContain(B.id);
      expect(all).not.toContain('cvss');
    }
    const bAll = JSON.stringify(rec.managerB.events);
    expect(bAll).not.toContain(CANARY);
    expect(bAll).not.toContain(findingA);
    expect(bAll).not.toContain('Hello from A');
    expect(bAll).not.toContain(A.id);
    expect(rec.managerB.ofType('message:created').map((e) => e.data.body)).toEqual([`Hello from B ${B_MARK}`]);
    // B's typing stayed in B's channel.
    expect(rec.collabA.ofType('typing:changed')).toEqual([]);
  });

  it('after A’s access narrows (allowlist, finding withdrawn, chat off), nothing more reaches the sockets that lost it', async () => {
    const AFTER = 'AFTER-CHANGE-MARK-5d1e';
    const A = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: A.id, published: true });
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const typer = await feedSocket(app, await signIn(app, await buildStaff(app.db, { name: 'Tia Typer' })));
    const person = await signIn(app, await buildPortalUser(app.db, { client_id: A.id, role: 'collaborator' }));
    const office = await feedSocket(app, person); // from 127.0.0.1
    const cafe = connectSocket(app, person, { localAddress: '127.0.0.3' });
    open.push(typer.socket, office.socket, cafe);
    await connected(cafe);
    expect((await ask(cafe, 'feed:subscribe', { since: null })).ok).toBe(true);
    const targets = [
      { kind: 'finding', id: finding.id },
      { kind: 'channel', id: A.id },
    ];
    for (const s of [typer.socket, office.socket, cafe]) for (const target of targets) expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    const rec = { office: recordAll(office.socket), cafe: recordAll(cafe) };

    const cafeGone = disconnected(cafe, 1500);
    expect((await admin.patch(`/api/clients/${A.id}`, { ipAllowlist: ['127.0.0.1/32'] })).status).toBe(200);
    expect(await cafeGone).toBe('io server disconnect');
    expect((await admin.post(`/api/findings/${finding.id}/unpublish`, {})).status).toBe(200);
    expect((await admin.patch(`/api/clients/${A.id}`, { modules: { chat: false }, confirm: true })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    // (Before the change the portal could see who is present, the typer's name included.)
    const since = rec.office.events.length;
    const withdrawn = rec.office.ofType('finding:unpublished').map((e) => e.data.id);

    // Staff keep working in those places, with the marker everywhere.
    for (const target of targets) expect((await ask(typer.socket, 'typing:start', { target })).ok).toBe(true);
    expect((await admin.post(`/api/findings/${finding.id}/comments`, { body: `Reply ${AFTER}`, clientMessageId: cid() })).status).toBe(201);
    expect((await admin.post(`/api/chat/${A.id}/messages`, { body: `Chat ${AFTER}`, clientMessageId: cid() })).status).toBe(201);
    await app.server.drain();
    await new Promise((r) => setTimeout(r, 300));

    const after = rec.office.events.slice(since);
    expect(JSON.stringify(after)).not.toContain(AFTER);
    expect(after.filter(([e]) => e === 'typing:changed' || e === 'presence:changed')).toEqual([]);
    expect(JSON.stringify(rec.cafe.events)).not.toContain(AFTER);
    expect(office.socket.connected).toBe(true);
    // The office socket did hear the withdrawal itself (its page drops the finding).
    expect(withdrawn).toEqual([finding.id]);
  });
});
