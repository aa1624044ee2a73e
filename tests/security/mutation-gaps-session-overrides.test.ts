import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { connected, connectSocket, disconnected } from '../support/socket.js';
import { sweepExpiredSessions } from '../../server/auth/revoke.js';
import { recheckSessions, sessionsToSweep, setSessionsCheckAt } from '../../server/repositories/sessions.js';
import { effectiveTimeouts } from '../../server/auth/access.js';
import type { ClientRow, FirmRow } from '../../db/schema.js';

/**
 * A client's own session limits (clients.session_idle_minutes / session_absolute_hours) as BOTH
 * places apply them: each request (auth/access.ts effectiveTimeouts → validateSessionToken) and
 * the background sweeper (auth/revoke.ts sweepExpiredSessions, SQL). An override shorter than
 * the firm default ends the session at the override — not before, and not at the default —
 * and only for that client's users. Time moves with the app's injectable test clock.
 */

const SEC = 1000;
const MIN = 60 * SEC;
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '12' });
});
afterAll(() => app.close());

const sessionIdOf = (a: Agent) => a.cookie!.split('=')[1]!.split('.')[0]!;
const exists = async (a: Agent) => !!(await app.db.selectFrom('sessions').select('id').where('id', '=', sessionIdOf(a)).executeTakeFirst());
const sweep = () => sweepExpiredSessions(app.deps, app.clock());

async function people(override: { session_idle_minutes?: number; session_absolute_hours?: number }) {
  const client = await buildClient(app.db, override);
  const plain = await buildClient(app.db);
  return {
    own: () => buildPortalUser(app.db, { client_id: client.id }).then((u) => signIn(app, u)),
    other: () => buildPortalUser(app.db, { client_id: plain.id }).then((u) => signIn(app, u)),
    staff: () => buildStaff(app.db).then((u) => signIn(app, u)),
  };
}

describe('on a request', () => {
  it('ends an idle session at the client’s 5-minute override, not before, and only for that client', async () => {
    const p = await people({ session_idle_minutes: 5 });
    const [early, late, other, staff] = [await p.own(), await p.own(), await p.other(), await p.staff()];
    app.clock.advance(5 * MIN - 20 * SEC);
    expect((await early.get('/api/session')).status).toBe(200); // 4m40s idle: still fine
    app.clock.advance(40 * SEC);
    expect((await late.get('/api/session')).status).toBe(401); // 5m20s idle: over the override
    expect((await early.get('/api/session')).status).toBe(200); // 40 s since its last request
    expect((await other.get('/api/session')).status).toBe(200); // the firm default (30 min) for everyone else
    expect((await staff.get('/api/session')).status).toBe(200);
  });

  it('ends an active session at the client’s 2-hour absolute override, not before', async () => {
    const p = await people({ session_idle_minutes: 60, session_absolute_hours: 2 });
    const agent = await p.own();
    for (const step of [50, 50, 15]) {
      app.clock.advance(step * MIN);
      expect((await agent.get('/api/session')).status).toBe(200); // 115 minutes in: still within 2 hours
    }
    app.clock.advance(6 * MIN);
    expect((await agent.get('/api/session')).status).toBe(401); // 121 minutes: past the override, far from 12 h
  });
});

describe('by the sweeper (no request at all)', () => {
  it('deletes an idle session at the client’s override, not before, and leaves the others', async () => {
    const p = await people({ session_idle_minutes: 5 });
    const [own, other, staff] = [await p.own(), await p.other(), await p.staff()];
    const socket = connectSocket(app, own);
    await connected(socket);
    try {
      app.clock.advance(5 * MIN - 20 * SEC);
      await sweep();
      expect(await exists(own)).toBe(true);
      expect(socket.connected).toBe(true);
      const gone = disconnected(socket);
      app.clock.advance(40 * SEC);
      await sweep();
      expect(await exists(own)).toBe(false);
      expect(await gone).toBe('io server disconnect');
      expect(await exists(other)).toBe(true);
      expect(await exists(staff)).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('deletes an active session at the client’s absolute override, not before', async () => {
    const p = await people({ session_idle_minutes: 60, session_absolute_hours: 2 });
    const agent = await p.own();
    for (const step of [50, 50, 15]) {
      app.clock.advance(step * MIN);
      expect((await agent.get('/api/session')).status).toBe(200); // keeps it active
      await sweep();
      expect(await exists(agent)).toBe(true);
    }
    app.clock.advance(6 * MIN);
    await sweep();
    expect(await exists(agent)).toBe(false);
  });
});

describe('the sweep reads only the sessions due (check_at), and still ends each on time', () => {
  const checkAt = async (a: Agent) =>
    (await app.db.selectFrom('sessions').select('check_at').where('id', '=', sessionIdOf(a)).executeTakeFirstOrThrow()).check_at;

  it('a session used since the sweep last judged it is judged again when that time comes, not ended, and its next look moves', async () => {
    const p = await people({ session_idle_minutes: 5 });
    const agent = await p.own();
    await sweep();
    const first = await checkAt(agent);
    // Its idle end (not used since signing in, a moment ago): never later than 5 minutes from now.
    expect(first).toBeLessThanOrEqual(app.clock() + 5 * MIN);
    expect(first).toBeGreaterThan(app.clock() + 5 * MIN - 10 * SEC);
    app.clock.advance(4 * MIN);
    expect((await agent.get('/api/session')).status).toBe(200); // moves its idle clock
    app.clock.advance(2 * MIN); // past the first look, within 5 minutes of its use
    await sweep();
    expect(await exists(agent)).toBe(true);
    expect(await checkAt(agent)).toBeGreaterThan(first);
    app.clock.advance(4 * MIN);
    await sweep();
    expect(await exists(agent)).toBe(false);
  });

  it('new timeouts saved while a sweep was judging a session win over what that sweep then writes', async () => {
    const agent = await (await people({})).own();
    const read = (await sessionsToSweep(app.db, app.clock(), 100_000)).find((s) => s.id === sessionIdOf(agent))!;
    await recheckSessions(app.db); // committed between the sweep's read and its write
    await setSessionsCheckAt(app.db, [{ id: read.id, was: read.check_at, at: app.clock() + 30 * MIN }]);
    expect(await checkAt(agent)).toBeLessThanOrEqual(0); // still due: the next sweep judges it by the new timeouts
  });

  it('a client’s shorter timeout, saved while its people are signed in, ends their idle sessions at the next sweep', async () => {
    const client = await buildClient(app.db);
    const [own, staff] = [
      await buildPortalUser(app.db, { client_id: client.id }).then((u) => signIn(app, u)),
      await buildStaff(app.db).then((u) => signIn(app, u)),
    ];
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    await sweep(); // both judged by the 30-minute default: nothing to look at for half an hour
    app.clock.advance(10 * MIN);
    expect((await admin.patch(`/api/clients/${client.id}`, { sessionIdleMinutes: 5, confirm: true })).status).toBe(200);
    await sweep();
    expect(await exists(own)).toBe(false); // 10 minutes idle: over the new 5
    expect(await exists(staff)).toBe(true); // not that client's
  });

  it('the firm’s shorter timeout, saved while people are signed in, ends their idle sessions at the next sweep', async () => {
    const [portal, staff] = [await (await people({})).other(), await buildStaff(app.db).then((u) => signIn(app, u))];
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    await sweep();
    app.clock.advance(10 * MIN);
    expect((await admin.get('/api/session')).status).toBe(200); // the admin stays active
    try {
      expect((await admin.put('/api/admin/security', { sessionIdleMinutes: 5, confirm: true })).status).toBe(200);
      await sweep();
      expect(await exists(portal)).toBe(false);
      expect(await exists(staff)).toBe(false);
      expect(await exists(admin)).toBe(true);
    } finally {
      expect((await admin.put('/api/admin/security', { sessionIdleMinutes: null, confirm: true })).status).toBe(200); // back to the default for the other tests
    }
  });
});

describe('effectiveTimeouts', () => {
  const config = { sessionIdleMs: 30 * MIN, sessionAbsoluteMs: 12 * 60 * MIN } as Parameters<typeof effectiveTimeouts>[0];
  const firm = (idle: number | null, abs: number | null) => ({ session_idle_minutes: idle, session_absolute_hours: abs }) as FirmRow;
  const client = (idle: number | null, abs: number | null) => ({ session_idle_minutes: idle, session_absolute_hours: abs }) as ClientRow;

  it('takes the client’s override, else the firm’s, else the configured default — each limit on its own', () => {
    expect(effectiveTimeouts(config, undefined, undefined)).toEqual({ idleMs: 30 * MIN, absoluteMs: 12 * 60 * MIN });
    expect(effectiveTimeouts(config, firm(null, null), client(null, null))).toEqual({ idleMs: 30 * MIN, absoluteMs: 12 * 60 * MIN });
    expect(effectiveTimeouts(config, firm(20, 8), undefined)).toEqual({ idleMs: 20 * MIN, absoluteMs: 8 * 60 * MIN });
    expect(effectiveTimeouts(config, firm(20, 8), client(5, 2))).toEqual({ idleMs: 5 * MIN, absoluteMs: 2 * 60 * MIN });
    expect(effectiveTimeouts(config, firm(20, 8), client(90, null))).toEqual({ idleMs: 90 * MIN, absoluteMs: 8 * 60 * MIN });
    expect(effectiveTimeouts(config, firm(null, null), client(null, 3))).toEqual({ idleMs: 30 * MIN, absoluteMs: 3 * 60 * MIN });
  });
});
