import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { routeFiles } from '../../scripts/route-files.js';

/**
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
