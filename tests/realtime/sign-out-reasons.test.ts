import { afterAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { appWithSockets, connected, connectSocket } from '../support/socket.js';
import { SIGN_OUT_REASONS, type SignOutReason } from '../../server/contracts/sign-out.js';
import type { UserRow } from '../../db/schema.js';
import { endUserSessions } from '../../server/auth/revoke.js';
import { debriefAtProvider, signInThrough, startProvider, type TestProvider } from '../support/oidc-provider.js';
import { enrolTotp } from '../support/totp.js';

/**
 * Issue 18, point 5: every forced end of a session tells its open pages why — the socket gets
 * `session:ended {reason}` before the server disconnects it, and the next API call with that
 * cookie answers 401 with `details.reason`. Each reason is caused the way the product causes it
 * (the staff or the person's own request over HTTP, the clock for timeouts).
 */

let app: TestApp;
let op: TestProvider;
const open = appWithSockets(
  async (a) => {
    app = a;
    op = await startProvider([debriefAtProvider(a.url)]);
  },
  { SSO_ALLOW_HTTP: 'true' },
);
afterAll(() => op?.close());

/** A socket of the agent, recording what it receives up to and including its disconnect, in order. */
async function watched(agent: Agent): Promise<{ socket: Socket; seen: string[]; gone: Promise<void> }> {
  const socket = connectSocket(app, agent);
  open.push(socket);
  const seen: string[] = [];
  socket.onAny((event: string, payload: { reason?: string }) => seen.push(event === 'session:ended' ? `session:ended ${payload.reason}` : event));
  const gone = new Promise<void>((resolve) =>
    socket.once('disconnect', (why) => {
      seen.push(`disconnect (${why})`);
      resolve();
    }),
  );
  await connected(socket);
  return { socket, seen, gone };
}

/** The next API call of a cookie whose session ended: 401, and the reason as the machine-readable code. */
async function expectEnded(agent: Agent, reason: SignOutReason) {
  const res = await agent.get('/api/session');
  expect(res.status).toBe(401);
  expect(res.body.error).toMatchObject({ code: 'unauthenticated', details: { reason } });
}

/** An agent presenting exactly this cookie (or none). */
function withCookie(cookie: string | null): Agent {
  const a = new Agent(app.url);
  a.cookie = cookie;
  return a;
}

async function admin(): Promise<Agent> {
  return signIn(app, await buildStaff(app.db, { role: 'admin' }));
}

/** The victim's client gets its own provider (for the victim's domain), and the victim signs in through it. */
async function signInThroughTheirProvider(victim: UserRow): Promise<Agent> {
  const domain = victim.email.slice(victim.email.indexOf('@') + 1);
  const set = await (
    await admin()
  ).put(`/api/clients/${victim.client_id}/sso`, {
    label: 'Their provider',
    issuer: op.issuer,
    clientId: 'debrief',
    clientSecret: 'a-client-secret-for-the-tests',
    domains: [domain],
    trustProviderMfa: true,
  });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  const { agent, location } = await signInThrough(app.url, op, set.body.provider.id, {
    sub: victim.id,
    email: victim.email,
    email_verified: true,
    amr: ['pwd', 'otp'],
  });
  expect(location).toBe('/');
  return agent;
}

/** Who each reason happens to: a client's person, but staff for the firm's switch to single sign-on. */
const victimFor = async (reason: SignOutReason) =>
  reason === 'sso_required'
    ? buildStaff(app.db, { role: 'analyst' })
    : buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id, email: `victim-${reason}@${reason.replace(/_/g, '-')}.test` });

/** Each reason and how a real user of the product causes it, to `victim`'s session. */
const causes: Record<SignOutReason, (victim: UserRow, own: Agent) => Promise<void>> = {
  removed: async (v) => {
    const res = await (await admin()).post(`/api/clients/${v.client_id}/users/${v.id}/remove`);
    expect(res.status).toBe(200);
  },
  portal_disabled: async (v) => {
    expect((await (await admin()).patch(`/api/clients/${v.client_id}`, { portalEnabled: false, confirm: true })).status).toBe(200);
  },
  network_not_allowed: async (v) => {
    expect((await (await admin()).patch(`/api/clients/${v.client_id}`, { ipAllowlist: ['10.99.0.0/16'], confirm: true })).status).toBe(200);
  },
  idle_timeout: async () => app.clock.advance(app.config.sessionIdleMs + 1000),
  expired: async () => app.clock.advance(app.config.sessionAbsoluteMs + 1000),
  signed_out_elsewhere: async (v) => {
    // The person, on another device, ends every session but that one.
    const elsewhere = await signIn(app, v);
    expect((await elsewhere.post('/api/profile/sessions/end-others')).status).toBe(200);
  },
  password_changed: async (v) => {
    const elsewhere = await signIn(app, v);
    expect((await elsewhere.post('/api/profile/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase 93' })).status).toBe(204);
  },
  mfa_reset: async (v) => {
    expect((await (await admin()).post(`/api/admin/users/${v.id}/mfa-reset`, {})).status).toBe(204);
  },
  // The provider's back-channel logout for the session it made (its own signed token).
  signed_out_at_provider: async (v) => {
    const row = await app.db
      .selectFrom('sso_sessions')
      .innerJoin('sessions', 'sessions.id', 'sso_sessions.session_id')
      .select(['sub', 'sid'])
      .where('sessions.user_id', '=', v.id)
      .executeTakeFirstOrThrow();
    await (await op.provider.Client.find('debrief')).backchannelLogout(row.sub, row.sid);
  },
  // The firm makes single sign-on the only way in for staff: staff signed in by password sign in again.
  sso_required: async () => {
    const glass = await buildStaff(app.db, { role: 'admin' });
    await enrolTotp(app, glass);
    const agent = await signIn(app, glass);
    const firm = await agent.put('/api/admin/sso', {
      label: 'Firm SSO',
      issuer: op.issuer,
      clientId: 'debrief',
      clientSecret: 'a-client-secret-for-the-tests',
    });
    expect(firm.status, JSON.stringify(firm.body)).toBe(200);
    expect((await agent.put('/api/admin/sso/policy', { ssoOnlyStaff: true, breakGlassUserId: glass.id })).status).toBe(200);
    expect((await agent.put('/api/admin/sso/policy', { ssoOnlyStaff: false, breakGlassUserId: null })).status).toBe(200);
  },
};

/** Time only moves forward: the reasons the clock causes go last (a provider's tokens carry real times). */
const ORDER = [...SIGN_OUT_REASONS].sort((a, b) => Number(a === 'idle_timeout' || a === 'expired') - Number(b === 'idle_timeout' || b === 'expired'));

describe('a forced sign-out tells the page why', () => {
  it('covers every reason of the contract', () => {
    expect(Object.keys(causes).sort()).toEqual([...SIGN_OUT_REASONS].sort());
  });

  it.each(ORDER.map((r) => [r]))('%s: the socket hears the reason before it is disconnected, and the next call is 401 with it', async (reason) => {
    const victim = await victimFor(reason);
    const agent = reason === 'signed_out_at_provider' ? await signInThroughTheirProvider(victim) : await signIn(app, victim);
    // Time ends everyone's sessions alike; every other cause leaves a bystander alone.
    const byClock = reason === 'idle_timeout' || reason === 'expired';
    const bystander = byClock ? null : await watched(await signIn(app, await buildPortalUser(app.db)));
    const { seen, gone } = await watched(agent);
    await causes[reason](victim, agent);
    await gone;
    expect(seen).toEqual([`session:ended ${reason}`, 'disconnect (io server disconnect)']);
    await expectEnded(agent, reason);
    if (bystander) {
      expect(bystander.socket.connected).toBe(true);
      expect(bystander.seen.filter((e) => e.startsWith('session:ended'))).toEqual([]);
    }
  });

  it('a session ended while its socket is being let in (after the handshake read it, before it joined its room) is still closed with the reason', async () => {
    const victim = await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id });
    const agent = await signIn(app, victim);
    // Runs after the server's own handshake check: the removal is announced before the socket is in any room.
    app.server.io.use(async (socket, next) => {
      if (socket.data.viewer.user.id === victim.id) expect(await endUserSessions(app.deps, victim.id, 'removed')).toHaveLength(1);
      next();
    });
    const { seen, gone } = await watched(agent);
    await gone;
    expect(seen).toEqual(['session:ended removed', 'disconnect (io server disconnect)']);
  });

  it('an idle session that makes a request before the sweep is told idle_timeout too (ended on sight)', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    app.clock.advance(app.config.sessionIdleMs + 1);
    await expectEnded(agent, 'idle_timeout');
  });
});

describe('what a page is not told', () => {
  it('an anonymous request gets the plain 401, as before', async () => {
    const res = await withCookie(null).get('/api/session');
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'unauthenticated', message: 'Please sign in.' });
  });

  it('a made-up cookie, and an ended session’s id with the wrong secret, learn no reason', async () => {
    const victim = await buildPortalUser(app.db);
    const agent = await signIn(app, victim);
    const res = await (await admin()).post(`/api/clients/${victim.client_id}/users/${victim.id}/remove`);
    expect(res.status).toBe(200);
    await expectEnded(agent, 'removed');
    const [name, token] = agent.cookie!.split('=') as [string, string];
    const id = token.slice(0, token.indexOf('.'));
    for (const cookie of [`${name}=${id}.${'x'.repeat(32)}`, `${name}=nosuchid.${'y'.repeat(32)}`, `${name}=<script>`]) {
      const r = await withCookie(cookie).get('/api/session');
      expect(r.status).toBe(401);
      expect(r.body.error.details).toBeUndefined();
    }
  });

  it('signing out is the person’s own doing: no reason on the socket or in the next 401', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const { seen, gone } = await watched(agent);
    const cookie = agent.cookie!;
    expect((await agent.post('/api/auth/logout')).status).toBe(200);
    await gone;
    expect(seen).toEqual(['disconnect (io server disconnect)']);
    const r = await withCookie(cookie).get('/api/session');
    expect(r.status).toBe(401);
    expect(r.body.error.details).toBeUndefined();
  });

  it('a password change does not tell the browser that made it to sign in: its new cookie works', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const { seen, gone } = await watched(agent);
    expect((await agent.post('/api/profile/password', { currentPassword: PASSWORD, newPassword: 'a fresh long passphrase 11' })).status).toBe(204);
    await gone;
    expect(seen).toEqual(['disconnect (io server disconnect)']);
    expect((await agent.get('/api/session')).status).toBe(200);
  });
});

describe('Stay signed in (POST /api/session/activity)', () => {
  const idle = () => app.config.sessionIdleMs;

  it('moves the idle deadline a whole timeout away: a request after the original deadline succeeds', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    app.clock.advance(idle() * 0.75);
    const res = await agent.post('/api/session/activity', {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ idleRemainingMs: idle() });
    expect(res.headers.get('x-idle-remaining')).toBe(String(idle()));
    app.clock.advance(idle() * 0.5); // 1.25 timeouts after the sign-in
    const later = await agent.get('/api/session');
    expect(later.status).toBe(200);
    expect(Number(later.headers.get('x-idle-remaining'))).toBeGreaterThan(0);
  });

  it('without it the same wait ends the session (the control)', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    app.clock.advance(idle() * 0.75);
    app.clock.advance(idle() * 0.5);
    await expectEnded(agent, 'idle_timeout');
  });

  it('every signed-in answer says how long is left; the session says its timeout and warning', async () => {
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: (await buildClient(app.db, { session_idle_minutes: 10 })).id }));
    // Less than the write interval (a minute): the request is activity, but its time is not written yet.
    app.clock.advance(30_000);
    const res = await agent.get('/api/session');
    expect(res.body.idle).toEqual({ timeoutMs: 600_000, warningMs: app.config.idleWarningMs });
    const left = Number(res.headers.get('x-idle-remaining'));
    expect(left).toBeLessThanOrEqual(600_000 - 30_000);
    expect(left).toBeGreaterThan(600_000 - 30_000 - 5_000);
  });

  it('refuses anonymous callers, a body it does not take, and ended sessions', async () => {
    const r = await withCookie(null).post('/api/session/activity', {});
    expect(r.status).toBe(401);
    const agent = await signIn(app, await buildStaff(app.db));
    const bad = await agent.post('/api/session/activity', { stay: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const ended = await signIn(app, await buildStaff(app.db));
    app.clock.advance(idle() + 1);
    const e = await ended.post('/api/session/activity', {});
    expect(e.status).toBe(401);
    expect(e.body.error.details).toEqual({ reason: 'idle_timeout' });
  });

  it('server pushes are not activity: a socket held open does not keep a session alive', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const { seen, gone } = await watched(agent);
    app.clock.advance(idle() / 2);
    await new Promise((r) => setTimeout(r, 1200)); // the sweep and the socket's own traffic run meanwhile
    app.clock.advance(idle() / 2 + 1000);
    await gone;
    expect(seen.at(-2)).toBe('session:ended idle_timeout');
  });
});
