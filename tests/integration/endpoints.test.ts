import type { UserRow } from '../../db/schema.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from 'express';
import { createApp } from '../../server/app.js';
import { endpoints, type EndpointKey } from '../../server/contracts/endpoints.js';
import { serve } from '../../server/routes/endpoint.js';
import { ApiError, call, upload } from '../../client/lib/api/http.js';
import { CLIENT_DIR, startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildFirm, buildStaff, signIn } from '../support/factories.js';
import { listRoutes } from '../support/routes.js';

/**
 * Every JSON answer of the API is declared once, in `server/contracts/endpoints.ts` (issue 12,
 * point 5): the routes are registered from it and must return its envelope, and the browser's
 * `call` is typed from it. This file proves the map and the served routes are the same set, that
 * the browser's client really talks to the server through it, and (with `npm run check`) that a
 * mistake on either side fails to compile.
 */

/** The routes that stream a file rather than answer JSON: the only ones outside the map. */
const FILE_ROUTES = [
  'GET /api/attachments/:id',
  'GET /api/audit/export',
  'GET /api/attachments/:id/thumb',
  'GET /api/evidence/:id/:variant',
  'GET /api/portal/access-log/export',
  'GET /api/reports/:id/download',
  'GET /api/users/:id/avatar',
];

/** Not JSON either: single sign-on's browser navigations (redirects) and the provider's form post. */
const SSO_ROUTES = ['GET /api/auth/sso/:providerId/start', 'GET /api/auth/sso/callback', 'POST /api/auth/sso/backchannel-logout'];

let app: TestApp;
let cookie: string;
let admin: UserRow;
/** The browser's fetch, as our own page would make it (same origin, the session cookie). */
const pageFetch: typeof fetch = (url, init) =>
  fetch(`${app.url}${String(url)}`, { ...init, headers: { ...(init?.headers as Record<string, string>), origin: app.url, cookie } });

beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db);
  admin = await buildStaff(app.db, { role: 'admin' });
  cookie = (await signIn(app, admin)).cookie!;
});
afterAll(() => app.close());

describe('the endpoint map', () => {
  it('is exactly the JSON routes the app serves (every other /api route streams a file, or is a single sign-on redirect or provider post)', () => {
    const served = listRoutes(createApp(app.deps, CLIENT_DIR)).filter((r) => r.includes(' /api/'));
    const declared = Object.keys(endpoints).map((k) => k.replace(' ', ' /api'));
    expect(
      served.filter((r) => !declared.includes(r) && !FILE_ROUTES.includes(r) && !SSO_ROUTES.includes(r)),
      'served but not in the map',
    ).toEqual([]);
    expect(
      declared.filter((r) => !served.includes(r)),
      'in the map but not served',
    ).toEqual([]);
    expect(
      FILE_ROUTES.filter((r) => !served.includes(r)),
      'file routes that no longer exist',
    ).toEqual([]);
  });

  it('says a success status only where it is not 200, and only 201, 202 or 204', () => {
    for (const [key, spec] of Object.entries(endpoints) as [EndpointKey, { status?: number }][]) {
      if (spec.status === undefined) continue;
      expect([201, 202, 204], key).toContain(spec.status);
      if (spec.status === 201) expect(key.startsWith('POST '), key).toBe(true);
    }
  });
});

describe("the browser's call, against the real server", () => {
  it('fills path parameters, sends the body, and answers the envelope with the map status', async () => {
    const client = (await call('POST /clients', { body: { name: 'Northwind' }, fetch: pageFetch })).client;
    expect(client.name).toBe('Northwind');
    const again = await call('GET /clients/:clientId', { params: { clientId: client.id }, fetch: pageFetch });
    expect(again.client.id).toBe(client.id);
  });

  it('encodes a parameter, so a value with a slash or a question mark stays one parameter', async () => {
    const err = await call('GET /clients/:clientId', { params: { clientId: 'a/b?c' }, fetch: pageFetch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
    expect((err as ApiError).code).toBe('not_found');
  });

  it('sends the query from its fields, and the server reads it with the schema (a bad one is a field error)', async () => {
    const { clients } = await call('GET /clients', { fetch: pageFetch });
    const page = await call('GET /chat/:clientId/messages', { params: { clientId: clients[0]!.id }, query: { limit: 5 }, fetch: pageFetch });
    expect(page.messages).toEqual([]);
    const err = (await call('GET /chat/:clientId/messages', { params: { clientId: clients[0]!.id }, query: { limit: 'lots' }, fetch: pageFetch }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('validation_failed');
    expect(err.fieldMessage('limit')).toBe('This must be a whole number.');
  });

  it('answers undefined for a 204, and a refused body changes nothing', async () => {
    const client = await buildClient(app.db, { name: 'Contoso' });
    const err = (await call('PATCH /clients/:clientId', { params: { clientId: client.id }, body: { name: '' }, fetch: pageFetch }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(err.code).toBe('validation_failed');
    expect((await call('GET /clients/:clientId', { params: { clientId: client.id }, fetch: pageFetch })).client.name).toBe('Contoso');
    await signIn(app, admin);
    const other = (await call('GET /profile/sessions', { fetch: pageFetch })).find((s) => !s.current)!;
    expect(await call('DELETE /profile/sessions/:id', { params: { id: other.id }, fetch: pageFetch })).toBeUndefined();
    expect(await call('POST /auth/logout', { fetch: pageFetch })).toEqual({ providerLogoutUrl: null });
    expect(((await call('GET /session', { fetch: pageFetch }).catch((e: unknown) => e)) as ApiError).status).toBe(401);
  });

  it('reports an unreachable server as a network error', async () => {
    const down: typeof fetch = () => Promise.reject(new TypeError('fetch failed'));
    const err = (await call('GET /session', { fetch: down }).catch((e: unknown) => e)) as ApiError;
    expect([err.status, err.code]).toEqual([0, 'network_error']);
  });
});

// Never called: these exist for the compiler (`npm run check` type-checks tests/). If the map
// stopped catching one of these mistakes, its `@ts-expect-error` would itself be the error.
function browserSide() {
  void call('GET /findings/:id', { params: { id: 'f1' } });
  // @ts-expect-error a misspelt endpoint
  void call('GET /finding/:id', { params: { id: 'f1' } });
  // @ts-expect-error a missing path parameter
  void call('GET /findings/:id');
  // @ts-expect-error a parameter the path does not have
  void call('GET /findings/:id', { params: { findingId: 'f1' } });
  // @ts-expect-error a body of the wrong shape (a status change needs its note to be text)
  void call('POST /findings/:id/status', { params: { id: 'f1' }, body: { status: 'closed', note: 3 } });
  // @ts-expect-error a query field the endpoint does not read
  void call('GET /chat/:clientId/messages', { params: { clientId: 'c1' }, query: { after: 3 } });
  // @ts-expect-error only file endpoints take an upload
  void upload('POST /clients', new Blob(), {});
  void call('GET /findings/:id', { params: { id: 'f1' } }).then((r) => r.finding.internalNotes);
  // @ts-expect-error the portal's finding has no internal notes
  void call('GET /portal/findings/:findingId', { params: { findingId: 'f1' } }).then((r) => r.finding.internalNotes);
}

function serverSide(r: Router) {
  serve(r, 'GET /firm', () => ({ firm: { name: 'x', supportEmail: null, supportPhone: null, updatedAt: '' } }));
  // @ts-expect-error an answer that is not the declared envelope
  serve(r, 'GET /firm', () => ({ settings: { name: 'x', supportEmail: null, supportPhone: null, updatedAt: '' } }));
  // @ts-expect-error a route that is not in the map
  serve(r, 'GET /firms', () => ({}));
  // @ts-expect-error a path parameter the route does not have
  serve(r, 'GET /findings/:id', ({ req }) => ({ finding: req.params.findingId }));
}

it('the type-level checks above compile (npm run check)', () => {
  expect(typeof browserSide).toBe('function');
  expect(typeof serverSide).toBe('function');
});
