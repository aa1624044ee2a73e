import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { verifyPassword } from '../../server/auth/password.js';
import { hashSecretHex } from '../../server/auth/tokens.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const userRow = (id: string) => app.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const sessionIds = async (userId: string) => (await app.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).map((s) => s.id);
const anon = () => new Agent(app.url);

describe('GET /api/profile', () => {
  it('is 401 anonymously and mfa_required while the second factor is owed', async () => {
    expect((await anon().get('/api/profile')).status).toBe(401);
    const half = await signIn(app, await buildPortalUser(app.db), { mfaVerified: false });
    const res = await half.get('/api/profile');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('mfa_required');
  });

  it('returns exactly the profile fields, with notification preferences defaulting to on', async () => {
    const user = await buildPortalUser(app.db, { name: 'Pia Portal', role: 'manager' });
    const res = await (await signIn(app, user)).get('/api/profile');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: user.id,
      name: 'Pia Portal',
      email: user.email,
      kind: 'portal',
      role: 'manager',
      avatarUrl: null,
      notifyPrefs: { emailMentions: true, emailReplies: true, emailChat: true, emailRemediation: true, emailPublished: true },
      mailEvery: null,
    });
  });
});

describe('PATCH /api/profile', () => {
  it('is 401 anonymously', async () => {
    expect((await anon().patch('/api/profile', { name: 'X' })).status).toBe(401);
  });

  it('updates the name and some preferences (the rest kept), and audits it', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const res = await agent.patch('/api/profile', { name: '  Nia New  ', notifyPrefs: { emailChat: false } });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Nia New');
    expect(res.body.notifyPrefs).toEqual({ emailMentions: true, emailReplies: true, emailChat: false, emailRemediation: true, emailPublished: true });
    const again = await agent.patch('/api/profile', { notifyPrefs: { emailPublished: false } });
    expect(again.body.notifyPrefs).toMatchObject({ emailChat: false, emailPublished: false, emailMentions: true });
    expect(JSON.parse((await userRow(user.id)).notify_prefs)).toMatchObject({ emailChat: false, emailPublished: false });
    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'profile.updated').where('actor_id', '=', user.id).execute();
    expect(audit.map((a) => JSON.parse(a.details!).fields)).toEqual([['name', 'notifyPrefs'], ['notifyPrefs']]);
  });

  it('refuses unknown keys (email, role, kind, client) and bad values, changing nothing', async () => {
    const user = await buildPortalUser(app.db, { name: 'Stay Same' });
    const agent = await signIn(app, user);
    const before = await userRow(user.id);
    for (const body of [
      { email: 'mine@evil.test' },
      { role: 'manager' },
      { name: 'X', kind: 'staff' },
      { client_id: 'other' },
      { name: '' },
      { name: 'x'.repeat(101) },
      { notifyPrefs: { emailChat: 'no' } },
      { notifyPrefs: { emailEverything: false } },
    ]) {
      const res = await agent.patch('/api/profile', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await userRow(user.id)).toEqual(before);
  });

  it('refuses a cross-site request with 403', async () => {
    const user = await buildStaff(app.db, { name: 'Cross Site' });
    const agent = await signIn(app, user);
    const res = await agent.patch('/api/profile', { name: 'Hijacked' }, { origin: 'https://evil.test' });
    expect(res.status).toBe(403);
    expect((await userRow(user.id)).name).toBe('Cross Site');
  });
});

describe('POST /api/profile/password', () => {
  const NEW = 'a brand new passphrase 7';

  it('is 401 anonymously', async () => {
    expect((await anon().post('/api/profile/password', { currentPassword: PASSWORD, newPassword: NEW })).status).toBe(401);
  });

  it('refuses a wrong current password with 400 on currentPassword, changing nothing', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const other = await signIn(app, user);
    const res = await agent.post('/api/profile/password', { currentPassword: 'not my password', newPassword: NEW });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([{ path: 'currentPassword', message: 'The current password is not correct.' }]);
    expect((await userRow(user.id)).password_hash).toBe(user.password_hash);
    expect((await other.get('/api/profile')).status).toBe(200);
    expect((await agent.get('/api/profile')).status).toBe(200);
  });

  it('refuses a common or too short new password on newPassword, changing nothing', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    for (const newPassword of ['password123', 'iloveyou', 'short']) {
      const res = await agent.post('/api/profile/password', { currentPassword: PASSWORD, newPassword });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe('newPassword');
    }
    expect((await agent.post('/api/profile/password', { currentPassword: PASSWORD, newPassword: NEW, email: 'x@y.z' })).status).toBe(400);
    expect((await userRow(user.id)).password_hash).toBe(user.password_hash);
  });

  it('changes the password, ends every other session, rotates this one, notifies and audits', async () => {
    const user = await buildPortalUser(app.db);
    const agent = await signIn(app, user);
    const other1 = await signIn(app, user);
    const other2 = await signIn(app, user);
    const bystander = await signIn(app, await buildPortalUser(app.db, { client_id: user.client_id }));
    const ended: string[] = [];
    app.deps.bus.on('sessions.ended', (p) => void ended.push(...p.sessionIds));
    const before = await sessionIds(user.id);
    const oldCookie = agent.cookie;

    const res = await agent.post('/api/profile/password', { currentPassword: PASSWORD, newPassword: NEW });
    expect(res.status).toBe(204);
    expect(agent.cookie).not.toBe(oldCookie);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/);

    expect(await verifyPassword((await userRow(user.id)).password_hash!, NEW)).toBe(true);
    expect((await agent.get('/api/profile')).status).toBe(200);
    for (const a of [other1, other2]) expect((await a.get('/api/profile')).status).toBe(401);
    const stale = new Agent(app.url);
    stale.cookie = oldCookie;
    expect((await stale.get('/api/profile')).status).toBe(401);
    expect((await bystander.get('/api/profile')).status).toBe(200);
    const after = await sessionIds(user.id);
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]);
    await new Promise((r) => setTimeout(r, 20));
    expect(ended.sort()).toEqual([...before].sort());

    const mail = await app.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', user.email).execute();
    expect(mail.map((m) => m.kind)).toEqual(['password_changed']);
    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'password.changed').where('actor_id', '=', user.id).execute();
    expect(audit.map((a) => a.outcome)).toEqual(['success']);
    expect(JSON.stringify(audit)).not.toContain(NEW);
  });

  it('throttles wrong current passwords per account: 429 with Retry-After, even for the right one', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    let last;
    for (let i = 0; i < 5; i++) last = await agent.post('/api/profile/password', { currentPassword: `wrong ${i}`, newPassword: NEW });
    expect(last!.status).toBe(400);
    const blocked = await agent.post('/api/profile/password', { currentPassword: PASSWORD, newPassword: NEW });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await userRow(user.id)).password_hash).toBe(user.password_hash);
    // A second session of the same person does not buy more guesses.
    const second = await signIn(app, user);
    expect((await second.post('/api/profile/password', { currentPassword: PASSWORD, newPassword: NEW })).status).toBe(429);
  });
});

describe('sessions', () => {
  it('GET/DELETE/end-others are 401 anonymously', async () => {
    expect((await anon().get('/api/profile/sessions')).status).toBe(401);
    expect((await anon().delete('/api/profile/sessions/0123456789abcdef')).status).toBe(401);
    expect((await anon().post('/api/profile/sessions/end-others')).status).toBe(401);
  });

  it('lists my sessions with a derived id (never the session id or its secret) and marks this one', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    await signIn(app, user);
    const res = await agent.get('/api/profile/sessions');
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    expect(res.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const raw = await sessionIds(user.id);
    for (const s of res.body) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'device', 'id', 'ip', 'lastActiveAt', 'userAgent']);
      expect(s.id).toMatch(/^[0-9a-f]{16}$/);
      expect(raw.some((id) => res.text.includes(id))).toBe(false);
    }
    const token = agent.cookie!.split('=')[1]!;
    for (const part of token.split('.')) expect(res.text).not.toContain(part);
  });

  it('ends one of my other sessions: that cookie gets 401, its sockets are told, mine keeps working', async () => {
    const user = await buildPortalUser(app.db);
    const agent = await signIn(app, user);
    const other = await signIn(app, user);
    const ended: string[] = [];
    app.deps.bus.on('sessions.ended', (p) => void ended.push(...p.sessionIds));
    const list = (await agent.get('/api/profile/sessions')).body as { id: string; current: boolean }[];
    const target = list.find((s) => !s.current)!;
    const [otherRawId] = (await sessionIds(user.id)).filter((id) => hashSecretHex(id).startsWith(target.id));
    const res = await agent.delete(`/api/profile/sessions/${target.id}`);
    expect(res.status).toBe(204);
    expect((await other.get('/api/profile')).status).toBe(401);
    expect((await agent.get('/api/profile')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(ended).toContain(otherRawId);
    expect((await agent.delete(`/api/profile/sessions/${target.id}`)).status).toBe(404);
    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'session.ended').where('actor_id', '=', user.id).execute();
    expect(audit).toHaveLength(1);
  });

  it("answers 404 for another person's session (same client or another client) and leaves it alone", async () => {
    const clientA = await buildClient(app.db);
    const victim = await buildPortalUser(app.db, { client_id: clientA.id });
    const victimAgent = await signIn(app, victim);
    const victimSessionId = (await victimAgent.get('/api/profile/sessions')).body[0].id;
    const sameClient = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id }));
    const otherClient = await signIn(app, await buildPortalUser(app.db));
    const staff = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    for (const a of [sameClient, otherClient, staff]) {
      expect((await a.delete(`/api/profile/sessions/${victimSessionId}`)).status).toBe(404);
    }
    expect((await a404Raw(staff, (await sessionIds(victim.id))[0]!)).status).toBe(404);
    expect((await victimAgent.get('/api/profile')).status).toBe(200);
  });

  it('ends my current session when I choose it, clearing the cookie', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const me = ((await agent.get('/api/profile/sessions')).body as { id: string; current: boolean }[]).find((s) => s.current)!;
    const res = await agent.delete(`/api/profile/sessions/${me.id}`);
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect(await sessionIds(user.id)).toEqual([]);
  });

  it('ends all my other sessions and only mine', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const others = [await signIn(app, user), await signIn(app, user)];
    const someoneElse = await signIn(app, await buildStaff(app.db));
    const res = await agent.post('/api/profile/sessions/end-others');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ended: 2 });
    for (const a of others) expect((await a.get('/api/profile')).status).toBe(401);
    expect((await agent.get('/api/profile')).status).toBe(200);
    expect((await someoneElse.get('/api/profile')).status).toBe(200);
    expect((await agent.get('/api/profile/sessions')).body).toHaveLength(1);
  });
});

/** Try the raw (secret) session id as if it were the public id: it must not work either. */
function a404Raw(agent: Agent, rawId: string) {
  return agent.delete(`/api/profile/sessions/${rawId}`);
}
