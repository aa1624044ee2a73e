import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { auditRows, inviteTokenFor, mailsTo, snapshot } from '../support/invitations.js';
import type { ClientRow, UserRow } from '../../db/schema.js';
import { EMAIL_CHANGE_TTL_MS } from '../../server/auth/email-change.js';

/**
 * Changing a person's e-mail (issue 18, point 11): a link to the new address (single use,
 * expiring, stored hashed), the old address signs in until it is used and is told, and an invited
 * person's old invitation link dies with a new invitation sent to the new address.
 */

let app: TestApp;
let clientA: ClientRow;
let clientB: ClientRow;
let admin: Agent;
let analyst: Agent;
let managerA: Agent;
let managerB: Agent;
let viewerA: Agent;
beforeAll(async () => {
  app = await startTestApp();
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' }));
  analyst = await signIn(app, await buildStaff(app.db, { name: 'Sam Analyst' }));
  clientA = await buildClient(app.db, { name: 'Contoso' });
  clientB = await buildClient(app.db, { name: 'Globex' });
  managerA = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id, role: 'manager', name: 'Mia Manager' }));
  managerB = await signIn(app, await buildPortalUser(app.db, { client_id: clientB.id, role: 'manager' }));
  viewerA = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id, role: 'viewer' }));
});
afterAll(async () => app?.close());

const userById = (id: string) => app.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const login = (email: string) => new Agent(app.url).post('/api/auth/login', { email, password: PASSWORD });
/** The token in the newest confirmation mail to `to`. */
async function confirmTokenFor(to: string): Promise<string> {
  const mail = (await mailsTo(app, to)).find((m) => m.kind === 'email_change');
  const m = mail?.text_body.match(/\/confirm-email\/([a-z2-7]+)/);
  if (!m) throw new Error(`no confirmation link to ${to}`);
  return m[1]!;
}
const confirm = (token: string) => new Agent(app.url).post('/api/email-change/confirm', { token });

describe('an active person: confirmation by the new address', () => {
  let person: UserRow;
  beforeAll(async () => {
    person = await buildPortalUser(app.db, { client_id: clientA.id, email: 'old@contoso.test', name: 'Olga Old' });
  });

  it('staff change it: the old address still signs in, is told, and the list shows the pending change', async () => {
    const res = await analyst.post(`/api/clients/${clientA.id}/users/${person.id}/email`, { email: 'New@Contoso.test' });
    expect(res.status).toBe(200);
    expect(res.body.delivery).toBe('outbox');
    expect(res.body.member).toMatchObject({ email: 'old@contoso.test', pendingEmail: { email: 'new@contoso.test' } });
    expect((await userById(person.id)).email).toBe('old@contoso.test');
    expect((await login('old@contoso.test')).status).toBe(200);
    expect((await login('new@contoso.test')).status).toBe(401);
    const [notice] = await mailsTo(app, 'old@contoso.test');
    expect(notice).toMatchObject({ kind: 'email_change_notice' });
    expect(notice!.text_body).toContain('new@contoso.test');
    expect(notice!.text_body).not.toMatch(/confirm-email/);
    // Stored hashed only: the token is in the mail, never in the table.
    const token = await confirmTokenFor('new@contoso.test');
    const rows = await app.db.selectFrom('email_changes').selectAll().where('user_id', '=', person.id).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect((await auditRows(app, 'user.email_change_requested')).at(-1)).toMatchObject({ target_id: person.id, outcome: 'success' });
  });

  it('the link shows whose address it confirms, then works once: the new address signs in, the old no longer, and is told', async () => {
    const token = await confirmTokenFor('new@contoso.test');
    const preview = await new Agent(app.url).get(`/api/email-change/${token}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ name: 'Olga Old', newEmail: 'new@contoso.test', firmName: expect.any(String) });
    const res = await confirm(token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ email: 'new@contoso.test' });
    expect((await userById(person.id)).email).toBe('new@contoso.test');
    expect((await login('new@contoso.test')).status).toBe(200);
    expect((await login('old@contoso.test')).status).toBe(401);
    expect((await mailsTo(app, 'old@contoso.test'))[0]).toMatchObject({ kind: 'email_changed' });
    expect((await auditRows(app, 'user.email_changed')).at(-1)).toMatchObject({ target_id: person.id });
    // Single use.
    const again = await confirm(token);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toMatch(/invalid or has expired/);
    expect((await new Agent(app.url).get(`/api/email-change/${token}`)).status).toBe(404);
    const listed = await analyst.get(`/api/clients/${clientA.id}/users`);
    expect(listed.body.members.find((m: { id: string }) => m.id === person.id)).toMatchObject({ email: 'new@contoso.test', pendingEmail: null });
  });

  it('a removal kills the pending link', async () => {
    const p = await buildPortalUser(app.db, { client_id: clientA.id, email: 'gone@contoso.test' });
    await analyst.post(`/api/clients/${clientA.id}/users/${p.id}/email`, { email: 'gone2@contoso.test' });
    const token = await confirmTokenFor('gone2@contoso.test');
    expect((await analyst.post(`/api/clients/${clientA.id}/users/${p.id}/remove`, {})).status).toBe(200);
    expect((await confirm(token)).status).toBe(404);
    expect((await analyst.post(`/api/clients/${clientA.id}/users/${p.id}/email`, { email: 'gone3@contoso.test' })).status).toBe(409);
  });

  it('a bad or tampered token gets the one answer and changes nothing', async () => {
    const before = await snapshot(app);
    for (const token of ['', 'x'.repeat(129), 'a'.repeat(32), 'NOT-A-TOKEN']) {
      const res = await confirm(token);
      expect([400, 404]).toContain(res.status);
    }
    expect((await new Agent(app.url).post('/api/email-change/confirm', { token: 'a'.repeat(32), email: 'x@y.test' })).status).toBe(400);
    expect(await snapshot(app)).toBe(before);
  });
});

describe('someone still invited: the old link dies, a new invitation goes to the new address', () => {
  it('voids the old invitation link and invites the new address', async () => {
    const invited = await managerA.post('/api/portal/users', { email: 'typo@contso.test', name: 'Ivy Invited', role: 'viewer' });
    expect(invited.status).toBe(201);
    const id = invited.body.member.id as string;
    const oldToken = await inviteTokenFor(app, 'typo@contso.test');
    const res = await managerA.post(`/api/portal/users/${id}/email`, { email: 'ivy@contoso.test' });
    expect(res.status).toBe(200);
    expect(res.body.member).toMatchObject({ email: 'ivy@contoso.test', status: 'invited', pendingEmail: null });
    expect((await new Agent(app.url).get(`/api/invitations/${oldToken}`)).status).toBe(404);
    const newToken = await inviteTokenFor(app, 'ivy@contoso.test');
    expect((await new Agent(app.url).get(`/api/invitations/${newToken}`)).body).toMatchObject({ email: 'ivy@contoso.test', name: 'Ivy Invited' });
    expect((await auditRows(app, 'user.email_changed')).at(-1)).toMatchObject({ target_id: id });
  });
});

describe('who may change an address', () => {
  let target: UserRow;
  beforeAll(async () => {
    target = await buildPortalUser(app.db, { client_id: clientA.id, email: 'who@contoso.test' });
  });

  it('refuses anonymous, another client, a Viewer and an analyst on the team; nothing changes', async () => {
    const staffTarget = await buildStaff(app.db);
    const before = await snapshot(app);
    const changes = await app.db.selectFrom('email_changes').selectAll().execute();
    const body = { email: 'who2@contoso.test' };
    expect((await new Agent(app.url).post(`/api/portal/users/${target.id}/email`, body)).status).toBe(401);
    expect((await new Agent(app.url).post(`/api/clients/${clientA.id}/users/${target.id}/email`, body)).status).toBe(401);
    expect((await managerB.post(`/api/portal/users/${target.id}/email`, body)).status).toBe(404);
    expect((await managerB.post(`/api/clients/${clientA.id}/users/${target.id}/email`, body)).status).toBe(404);
    expect((await viewerA.post(`/api/portal/users/${target.id}/email`, body)).status).toBe(403);
    expect((await analyst.post(`/api/staff/${staffTarget.id}/email`, body)).status).toBe(403);
    expect((await managerA.post(`/api/staff/${staffTarget.id}/email`, body)).status).toBe(403);
    expect(await snapshot(app)).toBe(before);
    expect(await app.db.selectFrom('email_changes').selectAll().execute()).toEqual(changes);
  });

  it('refuses invalid input with a clear message and changes nothing', async () => {
    const before = await snapshot(app);
    for (const body of [{}, { email: 'not an address' }, { email: 'who@contoso.test' }, { email: 'a@b.test', name: 'x' }]) {
      const res = await managerA.post(`/api/portal/users/${target.id}/email`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBeTruthy();
    }
    // An address this client already uses is refused plainly.
    const other = await buildPortalUser(app.db, { client_id: clientA.id, email: 'taken@contoso.test' });
    const taken = await managerA.post(`/api/portal/users/${target.id}/email`, { email: other.email });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toBe('That e-mail address is already in use. Use another, or ask the person to sign in.');
    expect(await snapshot(app)).not.toBe(before); // `other` was added
  });

  it('a Manager typing another client’s address gets the usual answer, and no link is sent to it', async () => {
    const elsewhere = await buildPortalUser(app.db, { client_id: clientB.id, email: 'elsewhere@globex.test' });
    const res = await managerA.post(`/api/portal/users/${target.id}/email`, { email: elsewhere.email });
    expect(res.status).toBe(200);
    expect(res.body.member).toMatchObject({ pendingEmail: { email: elsewhere.email } });
    expect((await mailsTo(app, elsewhere.email)).filter((m) => m.kind === 'email_change')).toHaveLength(0);
    expect((await userById(target.id)).email).toBe('who@contoso.test');
    // Staff are told plainly.
    const staff = await analyst.post(`/api/clients/${clientA.id}/users/${target.id}/email`, { email: elsewhere.email });
    expect(staff.status).toBe(409);
  });

  it('an admin changes a staff member’s address', async () => {
    const s = await buildStaff(app.db, { email: 'sam2@acme.test' });
    const res = await admin.post(`/api/staff/${s.id}/email`, { email: 'sam.two@acme.test' });
    expect(res.status).toBe(200);
    expect((await confirm(await confirmTokenFor('sam.two@acme.test'))).status).toBe(200);
    expect((await userById(s.id)).email).toBe('sam.two@acme.test');
  });
});

describe('the user list: 2FA and a failed link mail', () => {
  it('shows whether 2FA is set up, and a failed invitation mail on the row (its error for staff only)', async () => {
    const p = await buildPortalUser(app.db, { client_id: clientA.id, email: 'mfa@contoso.test', totp_secret_enc: 'sealed' });
    const inv = await managerA.post('/api/portal/users', { email: 'bounce@contoso.test', name: 'Bo Bounce', role: 'viewer' });
    await app.db
      .updateTable('mail_outbox')
      .set({ status: 'failed', last_error: '550 5.1.1 mailbox unknown' })
      .where('to_address', '=', 'bounce@contoso.test')
      .execute();
    const staff = (await analyst.get(`/api/clients/${clientA.id}/users`)).body.members as { id: string; mfaEnabled: boolean; mailFailed: unknown }[];
    expect(staff.find((m) => m.id === p.id)!.mfaEnabled).toBe(true);
    expect(staff.find((m) => m.id === inv.body.member.id)!).toMatchObject({ mfaEnabled: false, mailFailed: { error: '550 5.1.1 mailbox unknown' } });
    const manager = (await managerA.get('/api/portal/users')).body.members as { id: string; mailFailed: unknown }[];
    expect(manager.find((m) => m.id === inv.body.member.id)!.mailFailed).toEqual({ at: expect.any(Number), error: null });
  });
});

describe('link lifetime', () => {
  it('expires, and a newer change voids the older link', async () => {
    const p = await buildPortalUser(app.db, { client_id: clientA.id, email: 'exp@contoso.test' });
    expect((await managerA.post(`/api/portal/users/${p.id}/email`, { email: 'exp2@contoso.test' })).status).toBe(200);
    const first = await confirmTokenFor('exp2@contoso.test');
    expect((await managerA.post(`/api/portal/users/${p.id}/email`, { email: 'exp3@contoso.test' })).status).toBe(200);
    expect((await confirm(first)).status).toBe(404);
    const second = await confirmTokenFor('exp3@contoso.test');
    // Last in the file: the clock jump also ends every session of the test.
    app.clock.advance(EMAIL_CHANGE_TTL_MS + 1000);
    expect((await confirm(second)).status).toBe(404);
    expect((await userById(p.id)).email).toBe('exp@contoso.test');
  });
});
