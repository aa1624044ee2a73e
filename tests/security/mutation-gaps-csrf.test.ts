import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';

/**
 * Every branch of the same-origin (CSRF) middleware, server/middleware/same-origin.ts:
 * - GET, HEAD and OPTIONS pass whatever their headers;
 * - a state-changing request WITH Sec-Fetch-Site passes only for `same-origin` (`same-site`,
 *   `cross-site` and `none` are refused, even when the Origin is exactly ours);
 * - WITHOUT Sec-Fetch-Site, the Origin must equal PUBLIC_URL exactly (another port, scheme,
 *   host, a trailing slash or path, "null", or no Origin at all: refused).
 * The middleware runs before the routes and the JSON 404, so an unknown API path answers 403
 * when refused and 404 when let through: each case is told apart without changing anything.
 */

let app: TestApp;
let port: number;
const PROBE = '/api/no-such-route-csrf-probe';

beforeAll(async () => {
  app = await startTestApp();
  port = Number(new URL(app.url).port);
});
afterAll(() => app.close());

/** A request carrying exactly the given headers (no default Origin). */
const send = (method: string, headers: Record<string, string>, path = PROBE) =>
  new Agent(app.url, {}).request(method, path, method === 'GET' || method === 'HEAD' ? undefined : '{}', headers);

describe('Sec-Fetch-Site present', () => {
  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s with same-origin passes (even with a foreign or no Origin)', async (method) => {
    expect((await send(method, { 'sec-fetch-site': 'same-origin' })).status).toBe(404);
    expect((await send(method, { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' })).status).toBe(404);
  });

  it.each([
    ['same-site', 'POST'],
    ['same-site', 'DELETE'],
    ['cross-site', 'POST'],
    ['cross-site', 'PUT'],
    ['cross-site', 'PATCH'],
    ['cross-site', 'DELETE'],
    ['none', 'POST'],
    ['none', 'PATCH'],
  ])('Sec-Fetch-Site: %s on %s is refused even with our exact Origin', async (site, method) => {
    const res = await send(method, { 'sec-fetch-site': site, origin: app.url });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({ code: 'forbidden', message: 'Cross-site requests are not allowed.' });
  });
});

describe('Sec-Fetch-Site missing: exact Origin match', () => {
  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s with Origin exactly PUBLIC_URL passes', async (method) => {
    expect((await send(method, { origin: app.url })).status).toBe(404);
  });

  const variants = (): [string, string][] => [
    ['another port', `http://127.0.0.1:${port + 1}`],
    ['another scheme', `https://127.0.0.1:${port}`],
    ['another host name for the same address', `http://localhost:${port}`],
    ['a trailing slash', `${app.url}/`],
    ['a trailing path', `${app.url}/api`],
    ['a longer host', `http://127.0.0.1:${port}.evil.example`],
    ['the opaque origin "null"', 'null'],
  ];
  it('refuses every Origin that is not exactly ours', async () => {
    for (const [name, origin] of variants()) {
      const res = await send('POST', { origin });
      expect(res.status, `${name}: ${origin}`).toBe(403);
      expect(res.body.error).toEqual({ code: 'forbidden', message: 'Cross-site requests are not allowed.' });
    }
  });

  it('refuses a state-changing request with neither header', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect((await send(method, {})).status, method).toBe(403);
  });
});

describe('safe methods and a real state change', () => {
  it('lets GET, HEAD and OPTIONS through whatever their headers', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    expect((await send('GET', { cookie: agent.cookie!, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, '/api/session')).status).toBe(200);
    expect((await send('GET', {})).status).toBe(404);
    expect((await send('HEAD', { 'sec-fetch-site': 'cross-site' })).status).toBe(404);
    expect((await send('OPTIONS', { 'sec-fetch-site': 'cross-site' })).status).not.toBe(403);
  });

  it('a refused logout leaves the session alive; an allowed one ends it', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    for (const headers of [{ 'sec-fetch-site': 'none', origin: app.url }, { origin: `${app.url}/` }, {}] as Record<string, string>[]) {
      const res = await send('POST', { cookie: agent.cookie!, ...headers }, '/api/auth/logout');
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect((await agent.get('/api/session')).status).toBe(200);
    }
    expect((await send('POST', { cookie: agent.cookie!, origin: app.url }, '/api/auth/logout')).status).toBe(200);
    expect((await agent.get('/api/session')).status).toBe(401);
  });
});
