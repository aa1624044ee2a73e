import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildFirm, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { buildWorld, type World } from '../support/matrix-fixtures.js';
import { debriefAtProvider, signInThrough, startProvider, type TestProvider } from '../support/oidc-provider.js';
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
  type Owner,
  type Role,
} from './authorization-matrix.data.js';
import { MATRIX, namesOwner } from './matrix/all.js';

/**
 * Issue 17: the authorization matrix holds for people whose sessions single sign-on made. Every
 * reading route of the matrix (nothing it sends changes state), as every role, on client A's and
 * client B's resources and a made-up id, with each role's session made by signing in through a
 * real provider: the firm's (staff, the role from the provider's group), and each client's own
 * (its people, by verified e-mail at its domain). The answers must be the matrix's, unchanged.
 */

let app: TestApp;
let op: TestProvider;
let world: World;
const agents = new Map<Role, Agent>();
const SECRET = 'a-client-secret-for-the-tests';

beforeAll(async () => {
  app = await startTestApp({ SSO_ALLOW_HTTP: 'true' });
  await buildFirm(app.db, { analysts_see_all_clients: 0 });
  world = await buildWorld(app);
  op = await startProvider([
    debriefAtProvider(app.url, 'firm', SECRET),
    debriefAtProvider(app.url, 'client-a', SECRET),
    debriefAtProvider(app.url, 'client-b', SECRET),
  ]);
  const admin = await signIn(app, world.staff.admin);
  const common = { issuer: op.issuer, clientSecret: SECRET, trustProviderMfa: true };
  const firm = await admin.put('/api/admin/sso', {
    ...common,
    label: 'Acme',
    clientId: 'firm',
    scopes: 'openid email profile groups',
    roleClaim: 'groups',
    roleMap: { admin: ['admins'], analyst: ['analysts'] },
  });
  expect(firm.status, JSON.stringify(firm.body)).toBe(200);
  const providers: Record<string, string> = { staff: firm.body.provider.id };
  for (const o of OWNERS) {
    const res = await admin.put(`/api/clients/${world[o].client.id}/sso`, {
      ...common,
      label: `Client ${o}`,
      clientId: `client-${o.toLowerCase()}`,
      domains: [`client-${o.toLowerCase()}.test`],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    providers[o] = res.body.provider.id;
  }
  for (const role of ROLES) {
    const user = actorOf(world, role);
    if (!user) continue;
    const provider = user.kind === 'staff' ? providers.staff! : providers[user.client_id === world.A.client.id ? 'A' : 'B']!;
    const groups = user.role === 'admin' ? ['admins'] : ['analysts'];
    const signed = await signInThrough(app.url, op, provider, { sub: `sub-${user.id}`, email: user.email, email_verified: true, amr: ['pwd', 'otp'], groups });
    expect(signed.location, `${role} signed in`).toBe('/');
    agents.set(role, signed.agent);
  }
  expect(await app.db.selectFrom('sso_sessions').select('session_id').execute()).toHaveLength(agents.size);
});
afterAll(async () => {
  await op?.close();
  await app?.close();
});

const statusClass = (status: number): Expect => (status >= 200 && status < 300 ? 'ok' : status);
const READS = MATRIX.filter((e) => e.method === 'GET' && !e.setup && !e.path.startsWith('/api/auth/sso'));

describe.each(READS.map((e) => [`${routeKey(e)}${e.case ? ` (${e.case})` : ''}`, e] as const))('%s', (title, entry) => {
  const rows = [...OWNERS, ...(namesAnId(entry) ? (['made-up'] as const) : [])].flatMap((owner) =>
    ROLES.filter((r) => r !== 'anonymous').map((role) => [owner, role] as [Owner | 'made-up', Role]),
  );
  it.each(rows)('%s, as %s (signed in through single sign-on)', async (owner, role) => {
    const c: Ctx = { f: world, owner: owner === 'made-up' ? 'A' : owner, actor: actorOf(world, role), extra: {} };
    const expected = owner === 'made-up' ? madeUpExpect(entry, role) : expectOf(entry, owner, role, namesOwner(entry, world));
    const res = await agents.get(role)!.get(urlOf(entry, c, owner === 'made-up'));
    expect(statusClass(res.status), `${title} as ${role} on ${owner}: ${res.status} ${res.text.slice(0, 200)}`).toBe(expected);
  });
});
