import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupCodeFromLogs, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { serializeSessionCookie } from '../../server/auth/cookie.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '12' });
});
afterAll(() => app.close());

const MIN = 60_000;

describe('sessions', () => {
  it('stores only a hash: the cookie secret is nowhere in the sessions table', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const [id, secret] = agent.cookie!.split('=')[1]!.split('.');
    const row = await app.db.selectFrom('sessions').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(JSON.stringify({ ...row, secret_hash: Buffer.from(row.secret_hash).toString('hex') })).not.toContain(secret);
    expect(row.secret_hash.length).toBe(32);
  });

  it('refuses a tampered token (right id, wrong secret)', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const forged = new Agent(app.url);
    forged.cookie = agent.cookie!.replace(/\.[a-z0-9]+$/, '.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect((await forged.get('/api/session')).status).toBe(401);
    expect((await agent.get('/api/session')).status).toBe(200);
  });

  it('refuses the cookie after logout', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const cookie = agent.cookie;
    expect((await agent.post('/api/auth/logout')).status).toBe(200);
    const replay = new Agent(app.url);
    replay.cookie = cookie;
    expect((await replay.get('/api/session')).status).toBe(401);
  });

  it('keeps an active user signed in and ends an idle one', async () => {
    const user = await buildStaff(app.db);
    const active = await signIn(app, user);
    const idle = await signIn(app, user);
    for (let i = 0; i < 4; i++) {
      app.clock.advance(18 * MIN); // 72 minutes in all: more than twice the idle timeout
      expect((await active.get('/api/session')).status).toBe(200);
    }
    expect((await idle.get('/api/session')).status).toBe(401);
  });

  it('ends a session at its absolute lifetime even while active', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    for (let i = 0; i < 11; i++) {
      app.clock.advance(20 * MIN);
      expect((await agent.get('/api/session')).status).toBe(200);
    }
    app.clock.advance(9 * 60 * MIN); // past 12 hours, though never idle for 30 minutes … until now
    expect((await agent.get('/api/session')).status).toBe(401);
  });

  it('applies a client override of the idle timeout to that client’s users only', async () => {
    const client = await buildClient(app.db, { session_idle_minutes: 5 });
    const portal = await signIn(app, await buildPortalUser(app.db, { client_id: client.id }));
    const staff = await signIn(app, await buildStaff(app.db));
    app.clock.advance(6 * MIN);
    expect((await portal.get('/api/session')).status).toBe(401);
    expect((await staff.get('/api/session')).status).toBe(200);
  });

  it('deletes expired sessions in the background, without a request', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const id = agent.cookie!.split('=')[1]!.split('.')[0]!;
    app.clock.advance(31 * MIN);
    await expect.poll(async () => (await app.db.selectFrom('sessions').select('id').where('id', '=', id).execute()).length, { timeout: 3000 }).toBe(0);
  });

  it('refuses a session whose user was removed', async () => {
    const user = await buildPortalUser(app.db);
    const agent = await signIn(app, user);
    await app.db.updateTable('users').set({ status: 'removed' }).where('id', '=', user.id).execute();
    expect((await agent.get('/api/session')).status).toBe(401);
  });

  it('sets HttpOnly, SameSite=Lax, Path=/ and, over https, Secure with the __Host- prefix', async () => {
    const plain = serializeSessionCookie('a.b', false, 1000);
    expect(plain).toMatch(/^debrief_session=a\.b; Path=\/; HttpOnly; SameSite=Lax; Max-Age=1$/);
    const https = await startTestApp({ PUBLIC_URL: 'https://portal.example' });
    try {
      const agent = new Agent(https.server.url, { origin: 'https://portal.example' });
      const res = await agent.post('/api/setup', { code: setupCodeFromLogs(https), firmName: 'F', name: 'A', email: 'a@f.test', password: PASSWORD });
      expect(res.status).toBe(201);
      const cookie = res.headers.getSetCookie()[0]!;
      expect(cookie).toMatch(/^__Host-debrief_session=[a-z0-9]+\.[a-z0-9]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
    } finally {
      await https.close();
    }
  });
});

describe('CSRF: state-changing requests must be same-origin', () => {
  it.each([
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
    ['a same-site (sibling subdomain) fetch', { 'sec-fetch-site': 'same-site' }],
    ['a foreign Origin without fetch metadata', { origin: 'https://evil.example' }],
    ['no Origin and no fetch metadata', { origin: '' }],
  ])('refuses %s with 403 and changes nothing', async (_name, headers) => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const h = { ...headers } as Record<string, string>;
    const res = await new Agent(app.url, h.origin === '' ? {} : { origin: h.origin ?? app.url }).request('POST', '/api/auth/logout', '{}', {
      cookie: agent.cookie!,
      'content-type': 'application/json',
      ...(h['sec-fetch-site'] ? { 'sec-fetch-site': h['sec-fetch-site'] } : {}),
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect((await agent.get('/api/session')).status).toBe(200);
  });

  it('allows our own pages (Sec-Fetch-Site: same-origin)', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const res = await agent.post('/api/auth/logout', {}, { 'sec-fetch-site': 'same-origin', origin: 'http://whatever.example' });
    expect(res.status).toBe(200);
  });
});

describe('firm session settings', () => {
  it('lets an admin set the firm’s idle timeout, which applies to the next request; a client override still wins', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const analyst = await signIn(app, await buildStaff(app.db));
    const bad = await admin.put('/api/admin/security', { sessionIdleMinutes: 2 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('sessionIdleMinutes');
    expect((await analyst.put('/api/admin/security', { sessionIdleMinutes: 10 })).status).toBe(403);
    const ok = await admin.put('/api/admin/security', { sessionIdleMinutes: 10 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ sessionIdleMinutes: 10, sessionAbsoluteHours: null, defaults: { sessionIdleMinutes: 30, sessionAbsoluteHours: 12 } });

    const staff = await signIn(app, await buildStaff(app.db));
    const client = await buildClient(app.db, { session_idle_minutes: 60 });
    const portal = await signIn(app, await buildPortalUser(app.db, { client_id: client.id }));
    app.clock.advance(11 * MIN);
    expect((await staff.get('/api/session')).status).toBe(401);
    expect((await portal.get('/api/session')).status).toBe(200);
    expect((await admin.put('/api/admin/security', { sessionIdleMinutes: null })).status).toBe(401); // the admin was idle too
  });
});
