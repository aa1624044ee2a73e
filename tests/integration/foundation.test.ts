import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIR, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { createApp } from '../../server/app.js';
import { openDatabase } from '../../db/client.js';
import { createServer } from 'node:http';

let app: TestApp;
let agent: Agent;
beforeAll(async () => {
  app = await startTestApp();
  agent = new Agent(app.url);
});
afterAll(() => app.close());

describe('start-up', () => {
  it('answers /healthz with 200 {"status":"ok"} and /readyz with 200 {"status":"ready"} while the database answers', async () => {
    const res = await agent.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    const ready = await agent.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });

  it('when the database does not answer: /healthz (alive, asks no database) stays 200, /readyz answers 503 naming it', async () => {
    const { db, sqlite } = openDatabase(path.join(app.config.dataDir, 'broken.sqlite'));
    sqlite.close();
    const broken = createServer(createApp({ ...app.deps, db }, CLIENT_DIR));
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    const port = (broken.address() as { port: number }).port;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', failing: ['database'] });
    await new Promise((r) => broken.close(r));
  });

  it('serves the SPA at / and at client-side routes', async () => {
    expect(existsSync(path.join(CLIENT_DIR, 'index.html')), 'the SPA must be built (npm test builds it)').toBe(true);
    for (const p of ['/', '/setup', '/staff/anything']) {
      const res = await agent.get(p);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.text).toContain('/_app/immutable/');
    }
  });

  it('answers an unknown API path with 404 JSON', async () => {
    const res = await agent.get('/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(res.body.requestId).toMatch(/[0-9a-f-]{36}/);
  });

  it('refuses invalid JSON with 400 and an over-limit body with 413', async () => {
    const bad = await agent.request('POST', '/api/setup', '{"code":', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'bad_request', message: 'The request body is not valid JSON.' });
    const big = await agent.post('/api/setup', { code: 'x'.repeat(200 * 1024) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
  });

  it('sends the security headers on every response and no-store on the API', async () => {
    for (const p of ['/', '/api/setup', '/api/nope', '/healthz']) {
      const res = await agent.get(p);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self'( 'sha256-[^']+')*;/);
      expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      if (p.startsWith('/api')) expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('logs one JSON line per request with a request id', async () => {
    const res = await agent.get('/api/nope');
    const id = res.headers.get('x-request-id');
    await new Promise((r) => setTimeout(r, 20));
    const line = app.logs.find((l) => l.requestId === id && l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', path: '/api/nope', status: 404 });
  });
});
