import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { UNREADABLE_ALLOWLIST } from '../../server/auth/access.js';
import { createSession, validateSessionToken, type SessionTimeouts } from '../../server/auth/session.js';

/**
 * Session and access rules the other session tests leave open (server/auth/session.ts,
 * server/auth/access.ts), each over HTTP with the app's test clock:
 * - a client archived without any announcement refuses its users' next request and sign-in;
 * - an unreadable stored allowlist is shown to staff as such, in words;
 * - the idle clock runs from the person's last request (written at least every minute, or every
 *   quarter of a shorter idle timeout), and never past the lifetime a session was created with;
 * - the user agent is kept (at most 512 characters), and a request without one still signs in;
 * - an admin's MFA reset ends every session of the user.
 */

const SEC = 1000;
const MIN = 60 * SEC;
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '12' });
});
afterAll(() => app.close());

const sessionIdOf = (a: Agent) => a.cookie!.split('=')[1]!.split('.')[0]!;
const sessionRow = (a: Agent) => app.db.selectFrom('sessions').selectAll().where('id', '=', sessionIdOf(a)).executeTakeFirst();

describe('access that changed without an announcement', () => {
  it('a client archived directly in the database: its user’s next request is 403 portal_disabled, and so is signing in', async () => {
    const client = await buildClient(app.db);
    const user = await buildPortalUser(app.db, { client_id: client.id });
    const agent = await signIn(app, user);
    expect((await agent.get('/api/session')).status).toBe(200);
    await app.db.updateTable('clients').set({ archived_at: app.clock() }).where('id', '=', client.id).execute();
    const refused = await agent.get('/api/session');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({
      code: 'forbidden',
      message: 'The portal is not enabled for your organisation. Contact your security firm to turn it on.',
      details: { reason: 'portal_disabled' },
    });
    const login = await new Agent(app.url).post('/api/auth/login', { email: user.email, password: PASSWORD });
    expect(login.status).toBe(403);
    expect(login.body.error.details).toEqual({ reason: 'portal_disabled' });
  });

  it('an unreadable stored allowlist is shown to staff in words (and lets no one in)', async () => {
    const client = await buildClient(app.db, { ip_allowlist: 'not json' });
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const res = await admin.get(`/api/clients/${client.id}`);
    expect(res.status).toBe(200);
    expect(res.body.client.ipAllowlist).toEqual(['unreadable stored list: enter the allowed ranges again']);
    expect(UNREADABLE_ALLOWLIST).toBe('unreadable stored list: enter the allowed ranges again');
    const portal = await signIn(app, await buildPortalUser(app.db, { client_id: client.id }));
    expect((await portal.get('/api/session')).status).toBe(403);
  });
});

describe('the idle clock', () => {
  it('runs from the last request: a request 2 minutes in, then 29 minutes of quiet, is still signed in', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const created = (await sessionRow(agent))!.last_active_at;
    app.clock.advance(2 * MIN);
    expect((await agent.get('/api/session')).status).toBe(200);
    expect((await sessionRow(agent))!.last_active_at).toBeGreaterThanOrEqual(created + 2 * MIN);
    app.clock.advance(29 * MIN);
    expect((await agent.get('/api/session')).status).toBe(200); // 31 minutes after sign-in, 29 after the last request
    app.clock.advance(30 * MIN + SEC);
    expect((await agent.get('/api/session')).status).toBe(401);
  });

  it('is not written for a request within a minute of the last write (the list shows the last written time)', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const created = (await sessionRow(agent))!.last_active_at;
    app.clock.advance(20 * SEC);
    expect((await agent.get('/api/session')).status).toBe(200);
    expect((await sessionRow(agent))!.last_active_at).toBe(created);
  });

  it('never outlives the lifetime the session was created with, even if the firm’s limit is raised later', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    await app.db.updateTable('firm').set({ session_absolute_hours: 48 }).execute();
    try {
      for (let i = 0; i < 35; i++) {
        app.clock.advance(20 * MIN);
        expect((await agent.get('/api/session')).status).toBe(200); // 11 h 40 min in all
      }
      app.clock.advance(21 * MIN); // 12 h 1 min: past the 12 h it was created with, well within 48 h
      expect((await agent.get('/api/session')).status).toBe(401);
      // A session created now gets the new lifetime.
      const fresh = await new Agent(app.url).post('/api/auth/login', { email: (await buildStaff(app.db)).email, password: PASSWORD });
      expect(fresh.headers.getSetCookie()[0]).toMatch(/Max-Age=172800(;|$)/);
    } finally {
      await app.db.updateTable('firm').set({ session_absolute_hours: null }).execute();
    }
  });
});

describe('with a one-minute idle timeout', () => {
  let quick: TestApp;
  beforeAll(async () => {
    quick = await startTestApp({ SESSION_IDLE_MINUTES: '1' });
  });
  afterAll(() => quick.close());

  it('the activity is written every quarter of the timeout (15 s): requests 50 s apart keep the session', async () => {
    const agent = await signIn(quick, await buildStaff(quick.db));
    for (let i = 0; i < 3; i++) {
      quick.clock.advance(50 * SEC);
      expect((await agent.get('/api/session')).status).toBe(200);
    }
    quick.clock.advance(61 * SEC);
    expect((await agent.get('/api/session')).status).toBe(401);
  });
});

describe('the user agent of a session', () => {
  const profileSessions = async (agent: Agent) => (await agent.get('/api/profile/sessions')).body as { current: boolean; userAgent: string | null }[];

  it('is kept, cut to 512 characters', async () => {
    const user = await buildStaff(app.db);
    const agent = new Agent(app.url);
    const ua = `Mozilla/5.0 ${'x'.repeat(600)}`;
    expect((await agent.post('/api/auth/login', { email: user.email, password: PASSWORD }, { 'user-agent': ua })).status).toBe(200);
    const mine = (await profileSessions(agent)).find((s) => s.current)!;
    expect(mine.userAgent).toBe(`${ua.slice(0, 511)}…`); // the audit trail's cap (server/audit-text.ts), a cut marked
    const short = new Agent(app.url);
    await short.post('/api/auth/login', { email: user.email, password: PASSWORD }, { 'user-agent': 'Firefox/130' });
    expect((await profileSessions(short)).find((s) => s.current)!.userAgent).toBe('Firefox/130');
  });

  it('may be absent: a sign-in without one works and stores none', async () => {
    const user = await buildStaff(app.db);
    const body = JSON.stringify({ email: user.email, password: PASSWORD });
    const url = new URL('/api/auth/login', app.url);
    const res = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json', origin: app.url, 'content-length': Buffer.byteLength(body) } },
        (r) => {
          r.resume();
          r.on('end', () => resolve({ status: r.statusCode!, cookie: (r.headers['set-cookie'] ?? [])[0] ?? '' }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(200);
    const agent = new Agent(app.url);
    agent.cookie = res.cookie.split(';')[0]!;
    expect((await sessionRow(agent))!.user_agent).toBeNull();
  });
});

describe('an admin’s MFA reset', () => {
  it('ends every session of the user, and no one else’s', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const user = await buildPortalUser(app.db);
    const other = await signIn(app, await buildPortalUser(app.db));
    const [a, b] = [await signIn(app, user), await signIn(app, user)];
    expect((await admin.post(`/api/admin/users/${user.id}/mfa-reset`)).status).toBe(204);
    expect(await app.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    expect((await a.get('/api/session')).status).toBe(401);
    expect((await b.get('/api/session')).status).toBe(401);
    expect((await other.get('/api/session')).status).toBe(200);
  });
});

describe('the exact moments (validateSessionToken with the time given)', () => {
  const T = 1_800_000_000_000;
  const IDLE = 30 * MIN;
  const ABS = 12 * 60 * MIN;
  async function session(at = T, timeouts: SessionTimeouts = { idleMs: IDLE, absoluteMs: ABS }) {
    const user = await buildStaff(app.db);
    const { token, session } = await createSession(app.db, { userId: user.id, mfaVerified: true, ip: null, userAgent: null }, at, timeouts);
    return { token, id: session.id };
  }
  const check = (token: string, now: number, timeouts: SessionTimeouts = { idleMs: IDLE, absoluteMs: ABS }, touch = false) =>
    validateSessionToken(app.db, token, now, () => timeouts, touch);

  it('an idle session ends at exactly the idle timeout, not a millisecond later', async () => {
    const { token } = await session();
    expect(await check(token, T + IDLE - 1)).not.toBeNull();
    expect(await check(token, T + IDLE)).toBeNull();
  });

  it('a session ends at exactly its absolute lifetime, whether that is the current limit or the one it was created with', async () => {
    const shorter = await session(T, { idleMs: IDLE, absoluteMs: ABS });
    // The limit that applies now is shorter than the one it was created with.
    expect(await check(shorter.token, T + 2 * 60 * MIN - 1, { idleMs: 100 * ABS, absoluteMs: 2 * 60 * MIN })).not.toBeNull();
    expect(await check(shorter.token, T + 2 * 60 * MIN, { idleMs: 100 * ABS, absoluteMs: 2 * 60 * MIN })).toBeNull();
    const longer = await session(T, { idleMs: IDLE, absoluteMs: ABS });
    // The limit that applies now is longer: the stored expiry still holds.
    expect(await check(longer.token, T + ABS - 1, { idleMs: 100 * ABS, absoluteMs: 2 * ABS })).not.toBeNull();
    expect(await check(longer.token, T + ABS, { idleMs: 100 * ABS, absoluteMs: 2 * ABS })).toBeNull();
  });

  it('activity is written at exactly one minute since the last write, not before', async () => {
    const { token, id } = await session();
    const lastActive = async () => (await app.db.selectFrom('sessions').select('last_active_at').where('id', '=', id).executeTakeFirstOrThrow()).last_active_at;
    expect((await check(token, T + MIN - 1, undefined, true))!.session.last_active_at).toBe(T);
    expect(await lastActive()).toBe(T);
    expect((await check(token, T + MIN, undefined, true))!.session.last_active_at).toBe(T + MIN);
    expect(await lastActive()).toBe(T + MIN);
  });
});
