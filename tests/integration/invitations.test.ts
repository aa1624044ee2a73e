import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { auditRows, inviteTokenFor, mailsTo, snapshot } from '../support/invitations.js';
import type { UserRow } from '../../db/schema.js';
import { sweepExpiredSessions } from '../../server/auth/revoke.js';

const GENERIC = 'This invitation link is invalid or has expired.';
const NEW_PASSWORD = 'a long and unusual passphrase 7';

let app: TestApp;
let admin: UserRow;
let staffAgent: Agent;
let clientId: string;
beforeAll(async () => {
  app = await startTestApp();
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  staffAgent = await signIn(app, admin);
  clientId = (await buildClient(app.db, { name: 'Contoso' })).id;
});
afterAll(async () => app?.close());

let seq = 0;
/** Invite a portal user of Contoso through the API and return their email and link token. */
async function invitePortal(role = 'viewer') {
  const email = `invitee-${++seq}@contoso.test`;
  const res = await staffAgent.post(`/api/clients/${clientId}/users`, { email, name: `Invitee ${seq}`, role });
  expect(res.status).toBe(201);
  return { email, id: res.body.member.id as string, token: await inviteTokenFor(app, email) };
}

const userById = (id: string) => app.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('opening an invitation link', () => {
  it('shows who is invited to what, and stores only a hash of the 160-bit secret', async () => {
    const { email, id, token } = await invitePortal('manager');
    expect(token).toMatch(/^[a-z2-7]{32}$/); // 20 random bytes in base32
    const res = await new Agent(app.url).get(`/api/invitations/${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      email,
      name: expect.stringMatching(/^Invitee/),
      kind: 'portal',
      role: 'manager',
      firmName: 'Acme Security',
      clientName: 'Contoso',
    });

    const rows = await app.db.selectFrom('invitations').selectAll().where('user_id', '=', id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]!.email).toBe(email);
    expect(rows[0]!.client_id).toBe(clientId);
    expect(rows[0]!.expires_at - rows[0]!.created_at).toBe(app.config.inviteTtlMs);
    // The secret is in the mail (that is how it travels) but never in the audit log or the logs.
    const [mail] = await mailsTo(app, email);
    expect(mail!.text_body).toContain(`${app.config.publicUrl}/invite/${token}`);
    expect(mail!.kind).toBe('invitation');
    expect(mail!.status).toBe('stored');
    const audit = await app.db.selectFrom('audit_events').selectAll().execute();
    expect(JSON.stringify(audit)).not.toContain(token);
    // Opening the link logs the request with the secret redacted from its path.
    expect((await new Agent(app.url).get(`/api/invitations/${token}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(app.logs.some((l) => l.path === '/api/invitations/[redacted]')).toBe(true);
    expect(app.rawLogs.filter((l) => l.includes(token))).toEqual([]);
  });

  it('answers unknown and tampered links with the one generic 404', async () => {
    const { token } = await invitePortal();
    const tampered = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
    for (const t of [tampered, 'a'.repeat(32), 'x', 'z'.repeat(200)]) {
      const res = await new Agent(app.url).get(`/api/invitations/${t}`);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(GENERIC);
    }
  });
});

describe('accepting an invitation', () => {
  it('a portal user sets a password, is activated, and must enrol TOTP before anything else', async () => {
    const { id, token } = await invitePortal();
    const anon = new Agent(app.url);
    const res = await anon.post('/api/invitations/accept', { token, password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mfaStep: 'enrol' });
    expect(anon.cookie).toBeTruthy();

    const user = await userById(id);
    expect(user.status).toBe('active');
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    const session = await anon.get('/api/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ mfaVerified: false, mfaStep: 'enrol' });
    // Half-signed-in: nothing but the MFA steps is reachable.
    expect((await anon.get('/api/portal/users')).status).toBe(401);

    const invitation = await app.db.selectFrom('invitations').selectAll().where('user_id', '=', id).executeTakeFirstOrThrow();
    expect(invitation.used_at).not.toBeNull();
    const [audit] = (await auditRows(app, 'invitation.accepted')).filter((a) => a.target_id === id);
    expect(audit).toMatchObject({ actor_id: id, client_id: clientId, outcome: 'success' });
  });

  it('a staff invitee (MFA not required by the firm) is signed in fully', async () => {
    const email = 'new.analyst@acme.test';
    expect((await staffAgent.post('/api/staff', { email, name: 'Nia Analyst', role: 'analyst' })).status).toBe(201);
    const token = await inviteTokenFor(app, email);
    const info = await new Agent(app.url).get(`/api/invitations/${token}`);
    expect(info.body).toMatchObject({ kind: 'staff', role: 'analyst', clientName: null });
    const anon = new Agent(app.url);
    const res = await anon.post('/api/invitations/accept', { token, password: NEW_PASSWORD });
    expect(res.body).toEqual({ mfaStep: null });
    const session = await anon.get('/api/session');
    expect(session.body).toMatchObject({ mfaVerified: true, user: { email, kind: 'staff', role: 'analyst' } });
    expect((await anon.get('/api/clients')).status).toBe(200);
  });

  it('a used link is refused with the generic message and changes nothing', async () => {
    const { token } = await invitePortal();
    expect((await new Agent(app.url).post('/api/invitations/accept', { token, password: NEW_PASSWORD })).status).toBe(200);
    const before = await snapshot(app);
    const again = new Agent(app.url);
    const res = await again.post('/api/invitations/accept', { token, password: 'another passphrase entirely 9' });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(GENERIC);
    expect(again.cookie).toBeNull();
    expect((await new Agent(app.url).get(`/api/invitations/${token}`)).status).toBe(404);
    expect(await snapshot(app)).toBe(before);
  });

  it('an expired link is refused with the generic message and changes nothing', async () => {
    const { id, token } = await invitePortal();
    app.clock.advance(app.config.inviteTtlMs + 1000);
    // Every session is now a week old: clear them as the once-a-second sweeper would, so it can't race later snapshots.
    await sweepExpiredSessions(app.deps, app.clock());
    const before = await snapshot(app, { sessions: false });
    const get = await new Agent(app.url).get(`/api/invitations/${token}`);
    expect(get.status).toBe(404);
    expect(get.body.error.message).toBe(GENERIC);
    const post = await new Agent(app.url).post('/api/invitations/accept', { token, password: NEW_PASSWORD });
    expect(post.status).toBe(404);
    expect(post.body.error.message).toBe(GENERIC);
    expect(await snapshot(app, { sessions: false })).toBe(before);
    expect((await userById(id)).status).toBe('invited');
    // The admin's own session did not survive a week either.
    staffAgent = await signIn(app, admin);
  });

  it('a tampered link is refused with the generic message and changes nothing', async () => {
    const { id, token } = await invitePortal();
    const before = await snapshot(app);
    const tampered = (token[0] === 'a' ? 'b' : 'a') + token.slice(1);
    const res = await new Agent(app.url).post('/api/invitations/accept', { token: tampered, password: NEW_PASSWORD });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(GENERIC);
    expect(await snapshot(app)).toBe(before);
    expect((await userById(id)).password_hash).toBeNull();
  });

  it('refuses weak, common and context-specific passwords on the password field, changing nothing', async () => {
    const { token } = await invitePortal();
    const before = await snapshot(app);
    for (const password of ['short', 'password123', 'AcmeSecurity2025!', 'Contoso-portal-2025']) {
      const res = await new Agent(app.url).post('/api/invitations/accept', { token, password });
      expect(res.status, password).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'password' })]);
    }
    expect(await snapshot(app)).toBe(before);
    // The link still works afterwards.
    expect((await new Agent(app.url).get(`/api/invitations/${token}`)).status).toBe(200);
  });

  it('refuses malformed bodies (unknown keys, missing fields) and cross-site posts', async () => {
    const { token } = await invitePortal();
    const before = await snapshot(app);
    const anon = new Agent(app.url);
    expect((await anon.post('/api/invitations/accept', { token, password: NEW_PASSWORD, status: 'active' })).status).toBe(400);
    expect((await anon.post('/api/invitations/accept', { token })).status).toBe(400);
    expect((await anon.post('/api/invitations/accept', { token: 42, password: NEW_PASSWORD })).status).toBe(400);
    const evil = await anon.post('/api/invitations/accept', { token, password: NEW_PASSWORD }, { origin: 'https://evil.test' });
    expect(evil.status).toBe(403);
    expect(await snapshot(app)).toBe(before);
  });

  it('accepting while signed in as someone else ends that other session', async () => {
    const other = await buildPortalUser(app.db, { client_id: clientId });
    const agent = await signIn(app, other);
    const oldCookie = agent.cookie!;
    const { token } = await invitePortal();
    expect((await agent.post('/api/invitations/accept', { token, password: NEW_PASSWORD })).status).toBe(200);
    expect(agent.cookie).not.toBe(oldCookie);
    const replay = new Agent(app.url);
    replay.cookie = oldCookie;
    expect((await replay.get('/api/session')).status).toBe(401);
  });
});

describe('resending an invitation', () => {
  it('voids every earlier link and sends a new one that works', async () => {
    const { email, id, token: first } = await invitePortal();
    const res = await staffAgent.post(`/api/clients/${clientId}/users/${id}/resend`);
    expect(res.status).toBe(200);
    const second = await inviteTokenFor(app, email);
    expect(second).not.toBe(first);
    expect(await mailsTo(app, email)).toHaveLength(2);

    const old = await new Agent(app.url).get(`/api/invitations/${first}`);
    expect(old.status).toBe(404);
    expect(old.body.error.message).toBe(GENERIC);
    const rows = await app.db.selectFrom('invitations').selectAll().where('user_id', '=', id).orderBy('created_at').execute();
    expect(rows.filter((r) => r.voided_at === null)).toHaveLength(1);
    expect((await auditRows(app, 'invitation.resent')).some((a) => a.target_id === id)).toBe(true);

    expect((await new Agent(app.url).post('/api/invitations/accept', { token: first, password: NEW_PASSWORD })).status).toBe(404);
    expect((await new Agent(app.url).post('/api/invitations/accept', { token: second, password: NEW_PASSWORD })).status).toBe(200);
    // Once accepted, there is nothing to resend.
    const late = await staffAgent.post(`/api/clients/${clientId}/users/${id}/resend`);
    expect(late.status).toBe(409);
  });
});

describe('one account per email', () => {
  it('refuses a duplicate in another case, with a message that names no client', async () => {
    const { email } = await invitePortal();
    const otherClient = await buildClient(app.db, { name: 'Globex' });
    const before = await snapshot(app);
    for (const [path, role] of [
      [`/api/clients/${clientId}/users`, 'viewer'],
      [`/api/clients/${otherClient.id}/users`, 'viewer'],
      ['/api/staff', 'analyst'],
    ] as const) {
      const res = await staffAgent.post(path, { email: email.toUpperCase(), name: 'Dup', role });
      expect(res.status, path).toBe(409);
      expect(res.body.error.message).toBe('That e-mail address is already in use. Use another, or ask the person to sign in.');
      expect(res.text).not.toContain('Contoso');
    }
    expect(await snapshot(app)).toBe(before);
  });
});
