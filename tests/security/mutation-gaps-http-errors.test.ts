import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { loggablePath } from '../../server/middleware/request-context.js';

/**
 * The one error model and the request log line, over HTTP (server/middleware/error-handler.ts,
 * request-context.ts): each kind of bad body gets its exact status, code and message; an
 * unexpected failure is logged with its stack and answered with a fixed message that says nothing
 * about the cause; every response carries the request id the log line carries; the log line has
 * the method, the path without query or link secrets, the status, the time taken, the address and
 * the signed-in user.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ BODY_LIMIT_KB: '4' });
});
afterAll(() => app.close());

const anon = () => new Agent(app.url);
const logLine = async (requestId: string | null) => {
  await new Promise((r) => setTimeout(r, 30));
  return app.logs.find((l) => l.msg === 'request' && l.requestId === requestId);
};

describe('error responses', () => {
  it('a body that is not JSON: 400 bad_request with the exact message and the request id', async () => {
    const res = await anon().post('/api/auth/login', '{"email": ', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'bad_request', message: 'The request body is not valid JSON.' }, requestId: res.headers.get('x-request-id') });
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a body over the limit: 413 naming the limit in KB', async () => {
    const res = await anon().post('/api/auth/login', { email: 'a@b.test', password: 'x'.repeat(6000) });
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({ code: 'payload_too_large', message: 'The request body is larger than the 4 KB limit.' });
  });

  it('an unsupported content encoding or charset: 415', async () => {
    const cases: Record<string, string>[] = [
      { 'content-type': 'application/json', 'content-encoding': 'x-made-up' },
      { 'content-type': 'application/json; charset=latin1' },
    ];
    for (const headers of cases) {
      const res = await anon().post('/api/auth/login', '{}', headers);
      expect(res.status, JSON.stringify(headers)).toBe(415);
      expect(res.body.error).toEqual({ code: 'unsupported_media_type', message: 'Unsupported request encoding.' });
    }
  });

  it('an AppError keeps its status, code and details, and sends its headers (Retry-After)', async () => {
    const res = await anon().post('/api/auth/login', { email: 'a@b.test' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(Array.isArray(res.body.error.details)).toBe(true);
    const plain = await anon().get('/api/session');
    expect(plain.body).toEqual({ error: { code: 'unauthenticated', message: 'Please sign in.' }, requestId: plain.headers.get('x-request-id') });
    expect('details' in plain.body.error).toBe(false);
    // A throttled answer carries Retry-After from the error itself.
    let limited;
    for (let i = 0; i < 80 && !limited; i++) {
      const r = await anon().get(`/api/invitations/${'a'.repeat(32)}`);
      if (r.status === 429) limited = r;
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.body.error.details).toEqual({ retryAfterSeconds: expect.any(Number) });
  });

  it('an unexpected failure: 500 internal_error with a fixed message, logged with its stack, nothing of the cause sent', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    await sql`ALTER TABLE firm RENAME TO firm_away`.execute(app.db);
    let res;
    try {
      res = await agent.get('/api/session');
    } finally {
      await sql`ALTER TABLE firm_away RENAME TO firm`.execute(app.db);
    }
    expect(res.status).toBe(500);
    const id = res.headers.get('x-request-id');
    expect(res.body).toEqual({ error: { code: 'internal_error', message: 'Something went wrong on our side. Please try again.' }, requestId: id });
    expect(res.text).not.toMatch(/firm|sqlite|stack/i);
    const logged = app.logs.find((l) => l.requestId === id && l.msg === 'unhandled error');
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toMatch(/firm/);
    expect(logged!.level).toBe('error');
    expect(JSON.stringify(logged)).toMatch(/"stack"/);
    expect((await agent.get('/api/session')).status).toBe(200);
  });

  it('an expected error (4xx) is not logged as an error', async () => {
    const res = await anon().get('/api/session');
    const id = res.headers.get('x-request-id');
    await new Promise((r) => setTimeout(r, 30));
    expect(app.logs.filter((l) => (l.requestId === id && l.level === 'error') || l.level === 'fatal')).toEqual([]);
  });

  it('an unknown API path is 404 JSON', async () => {
    const res = await anon().get('/api/no/such/thing');
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'not_found', message: 'No such API endpoint.' });
  });
});

describe('the request log line', () => {
  it('names the method, path (no query), status, time, address and the signed-in user, under the id sent back', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const started = performance.now();
    const res = await agent.get('/api/session?token=secret-in-query');
    const elapsed = performance.now() - started;
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const line = await logLine(id);
    expect(line).toMatchObject({ method: 'GET', path: '/api/session', status: 200, userId: user.id, requestId: id });
    expect(String(line!.ip)).toMatch(/127\.0\.0\.1$/);
    expect(typeof line!.ms).toBe('number');
    expect(line!.ms as number).toBeGreaterThan(0);
    expect(line!.ms as number).toBeLessThanOrEqual(elapsed + 1);
    expect(Math.abs((line!.ms as number) * 10 - Math.round((line!.ms as number) * 10))).toBeLessThan(1e-6);
    expect(JSON.stringify(line)).not.toContain('secret-in-query');
    // Another request gets another id; an anonymous one has no user.
    const other = await anon().get('/api/session');
    expect(other.headers.get('x-request-id')).not.toBe(id);
    const anonLine = await logLine(other.headers.get('x-request-id'));
    expect(anonLine).toMatchObject({ method: 'GET', status: 401 });
    expect(anonLine!.userId).toBeUndefined();
  });

  it('redacts the secret of invitation and reset links from the logged path', async () => {
    const secret = 'abcdefghijklmnopqrstuvwxyz234567';
    const res = await anon().get(`/api/invitations/${secret}?x=1`);
    const line = await logLine(res.headers.get('x-request-id'));
    expect(line!.path).toBe('/api/invitations/[redacted]');
    expect(JSON.stringify(app.logs)).not.toContain(secret);
  });
});

describe('the guard ladder (requireViewer)', () => {
  it('no session: 401 unauthenticated; a half-verified session: 401 mfa_required, except on the second-factor steps', async () => {
    expect((await anon().get('/api/profile/sessions')).body.error).toEqual({ code: 'unauthenticated', message: 'Please sign in.' });
    const half = await signIn(app, await buildStaff(app.db), { mfaVerified: false });
    const refused = await half.get('/api/profile/sessions');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toEqual({ code: 'mfa_required', message: 'Two-factor authentication is required.' });
    const session = await half.get('/api/session'); // allowed before the second factor
    expect(session.status).toBe(200);
    expect(session.body.mfaVerified).toBe(false);
  });

  it('the wrong kind of account or staff role: 403 forbidden; the right one passes', async () => {
    const portal = await signIn(app, await buildPortalUser(app.db, { role: 'manager' }));
    const analyst = await signIn(app, await buildStaff(app.db));
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    for (const agent of [portal, analyst]) {
      const res = await agent.get('/api/admin/security');
      expect(res.status).toBe(403);
      expect(res.body.error).toEqual({ code: 'forbidden', message: 'Your role does not allow this. If you need it, ask whoever manages your access.' });
    }
    expect((await admin.get('/api/admin/security')).status).toBe(200);
    // Staff only (any role), on a route that names the kind but no role.
    const target = await buildPortalUser(app.db);
    expect((await portal.post(`/api/admin/users/${target.id}/mfa-reset`)).status).toBe(403);
    expect((await admin.post(`/api/admin/users/${target.id}/mfa-reset`)).status).toBe(204);
  });

  it('a valid session refused from here: 403 with the reason, in words, on every route that needs a viewer', async () => {
    const off = await buildClient(app.db);
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: off.id }));
    await app.db.updateTable('clients').set({ portal_enabled: 0 }).where('id', '=', off.id).execute();
    for (const path of ['/api/session', '/api/profile/sessions']) {
      const res = await agent.get(path);
      expect(res.status).toBe(403);
      expect(res.body.error).toEqual({
        code: 'forbidden',
        message: 'The portal is not enabled for your organisation. Contact your security firm to turn it on.',
        details: { reason: 'portal_disabled' },
      });
    }
    const fenced = await buildClient(app.db, { ip_allowlist: JSON.stringify(['10.0.0.0/8']) });
    const outside = await signIn(app, await buildPortalUser(app.db, { client_id: fenced.id }));
    const res = await outside.get('/api/profile/sessions');
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({
      code: 'forbidden',
      message: 'Your organisation only allows access to this portal from approved networks.',
      details: { reason: 'ip_not_allowed' },
    });
    // A cookie that is no session at all is simply signed out, with no reason.
    const stranger = new Agent(app.url);
    stranger.cookie = 'debrief_session=aaaa.bbbb';
    expect((await stranger.get('/api/profile/sessions')).body.error).toEqual({ code: 'unauthenticated', message: 'Please sign in.' });
  });
});

describe('loggablePath', () => {
  it.each([
    ['/api/invitations/s3cr3t', '/api/invitations/[redacted]'],
    ['/api/invitations/accept', '/api/invitations/accept'],
    ['/api/invitations/acceptx', '/api/invitations/[redacted]'],
    ['/api/invitations/xaccept', '/api/invitations/[redacted]'],
    ['/api/auth/password-reset/s3cr3t', '/api/auth/password-reset/[redacted]'],
    ['/api/auth/password-reset/confirm', '/api/auth/password-reset/confirm'],
    ['/api/auth/password-reset/confirmed', '/api/auth/password-reset/[redacted]'],
    ['/invite/s3cr3t', '/invite/[redacted]'],
    ['/reset-password/s3cr3t', '/reset-password/[redacted]'],
    ['/reset-password/s3cr3t/more', '/reset-password/[redacted]/more'],
    ['/invite/s3cr3t?next=/x', '/invite/[redacted]'],
    ['/api/session?token=abc', '/api/session'],
    ['/x/invite/s3cr3t', '/x/invite/s3cr3t'],
    ['/invitex/s3cr3t', '/invitex/s3cr3t'],
    ['/api/invitations', '/api/invitations'],
    ['/api/invitations/', '/api/invitations/'],
  ])('%s is logged as %s', (url, logged) => {
    expect(loggablePath(url)).toBe(logged);
  });
});
