import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { clearSessionCookie, readSessionCookie, serializeSessionCookie, sessionCookieName } from '../../server/auth/cookie.js';

/**
 * How the session cookie is read and written (server/auth/cookie.ts), over HTTP where the server
 * reads it: the token is found by its exact name wherever it sits in the Cookie header, with
 * spaces around it ignored; a value that is not `<base32>.<base32>` is no token at all; a cookie
 * whose name merely starts with ours is not ours. Over https the name is the `__Host-` one only.
 */

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  const agent = await signIn(app, await buildStaff(app.db));
  token = agent.cookie!.split('=')[1]!;
});
afterAll(() => app.close());

/** GET /api/session with exactly this Cookie header. */
const withCookie = (cookie: string) => new Agent(app.url).get('/api/session', { cookie });

describe('the server finds the session cookie', () => {
  it('by its exact name, wherever it sits in the header, spaces around name and value ignored', async () => {
    expect((await withCookie(`debrief_session=${token}`)).status).toBe(200);
    expect((await withCookie(`theme=dark; debrief_session=${token}`)).status).toBe(200);
    expect((await withCookie(`theme=dark;debrief_session=${token} ;lang=en`)).status).toBe(200);
    expect((await withCookie(`  debrief_session =  ${token}  ; lang=en`)).status).toBe(200);
    expect((await withCookie(`x=1; =${token}; debrief_session=${token}`)).status).toBe(200);
  });

  it('not under a longer name or one it merely ends with, and skips such parts to find the real one', async () => {
    expect((await withCookie(`debrief_sessionx=${token}`)).status).toBe(401);
    expect((await withCookie(`my_debrief_session=${token}`)).status).toBe(401);
    expect((await withCookie(`__Host-debrief_session=${token}`)).status).toBe(401); // that name is for https only
    // A part without "=" whose text is our name plus one character is not our cookie either.
    expect((await withCookie(`debrief_sessionX; debrief_session=${token}`)).status).toBe(200);
    expect((await withCookie(`debrief_sessionX`)).status).toBe(401);
  });

  it('refuses a value that is not exactly <id>.<secret> in lower-case base32 (no prefix, no suffix)', async () => {
    const [id, secret] = token.split('.') as [string, string];
    for (const bad of [`${token}!`, `!${token}`, `${id}.${secret}.x`, `${id}`, `.${secret}`, `${id}.`, token.toUpperCase(), `${id}%2E${secret}`]) {
      expect((await withCookie(`debrief_session=${bad}`)).status, bad).toBe(401);
    }
    expect(readSessionCookie(`debrief_session=${token}!`, false)).toBeNull();
    expect(readSessionCookie(`debrief_session=!${token}`, false)).toBeNull();
    expect(readSessionCookie('debrief_session=a.b', false)).toBe('a.b');
    expect(readSessionCookie('debrief_session=ab12.cd34', false)).toBe('ab12.cd34');
  });

  it('with no Cookie header at all, or an empty one, there is simply no viewer', async () => {
    expect((await new Agent(app.url).get('/api/session')).status).toBe(401);
    expect(readSessionCookie(undefined, false)).toBeNull();
    expect(readSessionCookie('', false)).toBeNull();
  });
});

describe('cookie names and Set-Cookie values', () => {
  it('use the __Host- name only over https, and read only that name there', () => {
    expect(sessionCookieName(true)).toBe('__Host-debrief_session');
    expect(sessionCookieName(false)).toBe('debrief_session');
    expect(readSessionCookie('__Host-debrief_session=a1.b2', true)).toBe('a1.b2');
    expect(readSessionCookie('debrief_session=a1.b2', true)).toBeNull();
    expect(readSessionCookie('__Host-debrief_session=a1.b2', false)).toBeNull();
  });

  it('bound Max-Age to whole seconds of the lifetime, never negative; Secure only over https', () => {
    expect(serializeSessionCookie('a.b', false, 12 * 3_600_000)).toBe('debrief_session=a.b; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200');
    expect(serializeSessionCookie('a.b', false, 1999)).toMatch(/; Max-Age=1$/);
    expect(serializeSessionCookie('a.b', false, -5000)).toMatch(/; Max-Age=0$/);
    expect(serializeSessionCookie('a.b', true, 1000)).toBe('__Host-debrief_session=a.b; Path=/; HttpOnly; SameSite=Lax; Max-Age=1; Secure');
  });

  it('clear the cookie with an empty value and Max-Age=0 under the name in use', () => {
    expect(clearSessionCookie(false)).toBe('debrief_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
    expect(clearSessionCookie(true)).toBe('__Host-debrief_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure');
  });

  it('logout answers with that clearing Set-Cookie', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const res = await agent.post('/api/auth/logout');
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toContain(clearSessionCookie(false));
  });
});
