import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';

/**
 * Issue 18, point 15: a request for a static file that is not there (an old chunk name after an
 * upgrade, a scanner's probe) answers 404 with a plain body, and logs nothing at error level;
 * it used to be a 500 that anyone unauthenticated could trigger at will. A page path still gets
 * the app, so the SPA shows its own 404 page.
 */

let app: TestApp;
let anon: Agent;
beforeAll(async () => {
  app = await startTestApp();
  anon = new Agent(app.url);
});
afterAll(async () => app?.close());

const errorLines = () => app.logs.filter((l) => l.level === 'error' || l.level === 'fatal');

describe('missing static files', () => {
  it.each([
    '/_app/immutable/chunks/nope.js',
    '/_app/immutable/entry/app.OLDHASH.js',
    '/_app/immutable/assets/0.gone.css',
    '/_app/immutable/chunks/nope.js.br',
    '/_app/version.json.bak',
    '/wp-login.php.js',
    '/favicon-old.png',
    '/.env.css',
  ])('%s answers 404, not the app and not a 500, with no error-level log line', async (path) => {
    const before = errorLines().length;
    const res = await anon.get(path);
    expect(res.status).toBe(404);
    expect(res.text).not.toMatch(/<html/i);
    expect(res.headers.get('content-type') ?? '').not.toMatch(/html/);
    expect(errorLines().length).toBe(before);
  });

  it('a page path that does not exist still gets the app (which shows its own styled 404)', async () => {
    const res = await anon.get('/staff/no-such-page');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<html/i);
  });

  it('a real hashed asset is still served', async () => {
    const html = (await anon.get('/login')).text;
    const asset = /\/_app\/immutable\/[^"']+\.js/.exec(html)?.[0];
    expect(asset).toBeTruthy();
    const res = await anon.get(asset!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
  });
});
