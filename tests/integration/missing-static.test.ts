import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { routeFiles } from '../../scripts/route-files.js';

/**
 * Issue 18, point 15: a request for a static file that is not there (an old chunk name after an
 * upgrade, a scanner's probe) answers 404 with a plain body, and logs nothing at error level;
 * it used to be a 500 that anyone unauthenticated could trigger at will. A page path still gets
 * the app, so the SPA shows its own 404 page.
 *
 * Issue 19, point 3: the page the server sends for a path names the scripts and styles of the
 * route that will show it, so the browser fetches them beside the shell instead of after it has
 * run. What each route needs comes from the build itself (`routeFiles`: Vite's manifest and
 * SvelteKit's route table); the files index.html already names are not named twice.
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

const ID = '0b9e2a51-6f1c-4c55-9d7e-3f6a2b8c1d40';
const preloaded = (html: string) => new Set([...html.matchAll(/<link rel="(?:modulepreload|preload" as="style)" href="([^"]+)"/g)].map((m) => m[1]));
const named = (html: string) => new Set([...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]));

describe('the page names its route’s files', () => {
  it.each([
    ['/staff/findings/x', '/(app)/staff/findings/[id]'],
    ['/staff/findings/x/evidence', '/(app)/staff/findings/[id]/evidence'],
    ['/portal', '/(app)/portal'],
    ['/portal/projects/x', '/(app)/portal/projects/[id]'],
    ['/portal/no-such-page', '/(app)/portal/[...rest]'],
    ['/login', '/login'],
    ['/', '/'],
  ])('%s: every script and style of %s, once', async (path, routeId) => {
    const res = await anon.get(path.replace('/x', `/${ID}`));
    expect(res.status).toBe(200);
    const html = res.text;
    const files = routeFiles(ROOT, routeId);
    const all = named(html);
    for (const f of [...files.js, ...files.css]) expect(all.has(f), `${path} names ${f}`).toBe(true);
    // Nothing named twice, and nothing another route needs that this one does not.
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(links.length).toBe(new Set(links).size);
    for (const f of preloaded(html)) expect([...files.js, ...files.css], `${path} preloads ${f}`).toContain(f);
  });

  it('a path no route serves gets the app as it is, naming no route’s files', async () => {
    const res = await anon.get('/nothing/here/at/all');
    expect(res.status).toBe(200);
    expect(preloaded(res.text).size).toBe(0);
  });
});
