import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { CLIENT_DIR, startTestApp, type TestApp } from '../support/app.js';
import { buildFirm, signIn } from '../support/factories.js';
import { Agent, type Res } from '../support/http.js';
import { buildWorld, type World } from '../support/matrix-fixtures.js';
import { listRoutes } from '../support/routes.js';
import {
  actorOf,
  expectOf,
  madeUpExpect,
  namesAnId,
  OWNERS,
  ROLES,
  routeKey,
  urlOf,
  type Ctx,
  type Expect,
  type MatrixEntry,
  type Owner,
  type Role,
} from './authorization-matrix.data.js';
import { STATED_ROLES } from './matrix/shapes.js';
import { MATRIX, namesOwner } from './matrix/all.js';

/**
 * Runs the authorization matrix (authorization-matrix.data.ts) exhaustively: every entry × every
 * role × a resource of client A and of client B, against the real app. Each entry has its own
 * world(s) (matrix-fixtures.ts), so entries never see each other's changes. Every request comes
 * from its own forwarded address so the per-address rate limits of the public routes never
 * answer instead of the policy.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ TRUST_PROXY: 'loopback' });
  // Staff least privilege on: the scoped analyst reaches client A only (see matrix/shapes.ts).
  await buildFirm(app.db, { analysts_see_all_clients: 0 });
});

afterAll(async () => app?.close());

let ipSeq = 0;
const nextIp = () => {
  const n = ++ipSeq;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

const statusClass = (status: number): Expect => (status >= 200 && status < 300 ? 'ok' : status);

/** Send an entry's request as `role` on `owner`'s resource. */
async function send(entry: MatrixEntry, f: World, owner: Owner | 'made-up', role: Role): Promise<Res> {
  const actor = actorOf(f, role);
  const agent = actor ? await signIn(app, actor) : new Agent(app.url);
  const base = { f, owner: owner === 'made-up' ? ('A' as const) : owner, actor };
  const c: Ctx = { ...base, extra: entry.setup ? await entry.setup(base, app) : {} };
  const path = urlOf(entry, c, owner === 'made-up');
  const headers = { 'x-forwarded-for': nextIp() };
  if (entry.raw) {
    const h: Record<string, string> = { ...agent.defaultHeaders, ...headers, 'content-type': entry.raw.contentType };
    if (agent.cookie) h.cookie = agent.cookie;
    const res = await fetch(app.url + path, { method: entry.method, headers: h, body: Uint8Array.from(await entry.raw.bytes()) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text, text };
  }
  const body = entry.body ? entry.body(c) : entry.method === 'GET' || entry.method === 'DELETE' ? undefined : {};
  return agent.request(entry.method, path, body, headers);
}

type Row = [label: string, role: Role, owner: Owner | 'made-up'];
const combos = (e: MatrixEntry): Row[] =>
  [...OWNERS, ...(namesAnId(e) ? (['made-up'] as const) : [])].flatMap((owner) =>
    ROLES.map((role): Row => [owner === 'made-up' ? 'a made-up id' : `client ${owner}'s resource`, role, owner]),
  );
const title = (e: MatrixEntry) => `${routeKey(e)}${e.case ? ` (${e.case})` : ''}`;

describe.each(MATRIX.map((entry): [string, MatrixEntry] => [title(entry), entry]))('%s', (_title, entry) => {
  // One world per entry for requests that must not change anything (GETs, and every request the
  // matrix expects to be refused); a world of its own for each request expected to change state,
  // so an earlier success (a delete, a publish, a password change) never decides a later answer.
  let shared: Promise<World> | undefined;
  const worldFor = (expected: Expect) => (entry.method !== 'GET' && expected === 'ok' ? buildWorld(app) : (shared ??= buildWorld(app)));

  // Concurrent: the argon2 routes and round trips overlap (worlds never overlap in what they change).
  // "made-up": every id in the path replaced by a fresh UUID; the answer must be the one for the other client's resource.
  it.concurrent.each(combos(entry))('%s, as %s', async (_label, role, owner) => {
    const world = await (shared ??= buildWorld(app));
    const expected = owner === 'made-up' ? madeUpExpect(entry, role) : expectOf(entry, owner, role, namesOwner(entry, world));
    const res = await send(entry, await worldFor(expected), owner, role);
    expect(
      statusClass(res.status),
      `${title(entry)} as ${role} on ${owner === 'made-up' ? 'a made-up id' : `${owner}'s resource`}: ${res.status} ${res.text.slice(0, 300)}`,
    ).toBe(expected);
  });
});

describe('the matrix is complete', () => {
  const served = () => listRoutes(createApp(app.deps, CLIENT_DIR));
  const listed = new Set(MATRIX.map(routeKey));

  it('has an entry for every route the app serves', () => {
    const missing = served().filter((r) => !listed.has(r));
    expect(missing, `routes missing from tests/security/authorization-matrix.data.ts:\n  ${missing.join('\n  ')}`).toEqual([]);
  });

  it('lists no route the app does not serve', () => {
    const routes = new Set(served());
    const stale = [...listed].filter((r) => !routes.has(r));
    expect(stale, `matrix entries for routes that do not exist:\n  ${stale.join('\n  ')}`).toEqual([]);
  });

  it('names each case once and gives every role an expectation for both owners', () => {
    const titles = MATRIX.map(title);
    expect(titles.filter((t, i) => titles.indexOf(t) !== i)).toEqual([]);
    for (const e of MATRIX)
      for (const o of OWNERS)
        expect(
          Object.keys(e.expect(o))
            .filter((r) => r !== 'scopedAnalyst')
            .sort(),
          title(e),
        ).toEqual([...STATED_ROLES].sort());
  });

  it('finds routes at every depth (the walker is not vacuous)', () => {
    const routes = served();
    expect(routes.length).toBeGreaterThan(50);
    expect(routes).toContain('GET /api/clients/:clientId');
    expect(routes).toContain('GET /healthz');
  });
});
