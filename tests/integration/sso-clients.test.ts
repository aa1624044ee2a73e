import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientRow, UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { debriefAtProvider, signInThrough, startProvider, type TestAccount, type TestProvider } from '../support/oidc-provider.js';

/**
 * A client's own identity provider (issue 17, point 5): set by the firm's admins or the client's
 * Manager, it signs in that client's people only, and only for the client's domains; a person of
 * another client presenting its token gets nothing. Its address is reached only at public
 * addresses. Also: discovery by e-mail domain, RP-initiated logout, the session cap when the
 * provider has no back-channel logout, and bad or replayed logout tokens.
 */

let app: TestApp;
let op: TestProvider;
let quiet: TestProvider; // a provider without back-channel logout
let admin: UserRow;
let contoso: ClientRow;
let fabrikam: ClientRow;
let manager: UserRow;
const SECRET = 'contoso-secret-for-the-tests';

beforeAll(async () => {
  app = await startTestApp({ SSO_ALLOW_HTTP: 'true' });
  await buildFirm(app.db, { name: 'Northwind Security' });
  admin = await buildStaff(app.db, { role: 'admin', email: 'ada@northwind.test' });
  contoso = await buildClient(app.db, { name: 'Contoso' });
  fabrikam = await buildClient(app.db, { name: 'Fabrikam' });
  manager = await buildPortalUser(app.db, { client_id: contoso.id, role: 'manager', email: 'mia@contoso.test' });
  op = await startProvider([debriefAtProvider(app.url, 'contoso', SECRET), debriefAtProvider(app.url, 'fabrikam', SECRET)]);
  quiet = await startProvider([debriefAtProvider(app.url, 'quiet', SECRET)], 3600, { backchannelLogout: false });
});
afterAll(async () => {
  await op?.close();
  await quiet?.close();
  await app?.close();
});
beforeEach(async () => {
  await app.db.deleteFrom('auth_throttle').execute();
});

const PROVIDER = (over: Record<string, unknown> = {}) => ({
  label: 'Contoso Okta',
  issuer: op.issuer,
  clientId: 'contoso',
  clientSecret: SECRET,
  domains: ['contoso.test'],
  trustProviderMfa: true,
  ...over,
});

let n = 0;
const account = (email: string, over: Partial<TestAccount> = {}): TestAccount => {
  n += 1;
  return { sub: `c-sub-${n}`, email, email_verified: true, amr: ['pwd', 'otp'], ...over };
};

const lastLogin = async () => {
  const row = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'auth.login').orderBy('id', 'desc').executeTakeFirstOrThrow();
  return { outcome: row.outcome, target: row.target_id, client: row.client_id, details: JSON.parse(row.details ?? '{}') as Record<string, unknown> };
};

const providers = () => app.db.selectFrom('sso_providers').select(['owner_key', 'issuer']).orderBy('owner_key').execute();

describe("setting a client's provider", () => {
  it('is for the firm’s admins and the client’s own Manager only; bad input and private addresses change nothing', async () => {
    const anon = new Agent(app.url);
    expect((await anon.get(`/api/clients/${contoso.id}/sso`)).status).toBe(401);
    expect((await anon.put('/api/portal/sso', PROVIDER())).status).toBe(401);
    const analyst = await signIn(app, await buildStaff(app.db, { role: 'analyst' }));
    expect((await analyst.put(`/api/clients/${contoso.id}/sso`, PROVIDER())).status).toBe(403);
    const collaborator = await signIn(app, await buildPortalUser(app.db, { client_id: contoso.id, role: 'collaborator', email: 'col@contoso.test' }));
    expect((await collaborator.get('/api/portal/sso')).status).toBe(403);
    expect((await collaborator.put('/api/portal/sso', PROVIDER())).status).toBe(403);
    // Another client's Manager reaches only their own client's provider; client records are not theirs.
    const otherManager = await signIn(app, await buildPortalUser(app.db, { client_id: fabrikam.id, role: 'manager', email: 'max@fabrikam.test' }));
    expect((await otherManager.get(`/api/clients/${contoso.id}/sso`)).status).toBe(404); // a client record: invisible to portal users
    expect((await otherManager.put('/api/portal/sso', PROVIDER())).status).toBe(400); // contoso.test is not their people's domain
    const m = await signIn(app, manager);
    expect((await m.put('/api/portal/sso', PROVIDER({ domains: [] }))).status).toBe(400);
    expect((await m.put('/api/portal/sso', PROVIDER({ domains: ['not a domain'] }))).status).toBe(400);
    expect((await m.put('/api/portal/sso', PROVIDER({ roleClaim: 'groups' }))).status).toBe(400);
    expect((await m.put('/api/portal/sso', PROVIDER({ jitRole: 'manager' }))).status).toBe(400);
    // A Manager names only domains their own people use here.
    const foreign = await m.put('/api/portal/sso', PROVIDER({ domains: ['contoso.test', 'elsewhere.test'] }));
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.message).toContain('elsewhere.test');
    // Server-side request forgery: the cloud metadata address and a private network are refused before any request.
    for (const issuer of ['http://169.254.169.254/latest', 'http://10.0.0.1/', 'http://[::ffff:10.0.0.1]/']) {
      const res = await m.put('/api/portal/sso', PROVIDER({ issuer }));
      expect(res.status, issuer).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({ path: 'issuer' });
    }
    // A domain where people outside this client have addresses: refused, to the firm's admins too.
    await buildPortalUser(app.db, { client_id: fabrikam.id, email: 'fay@shared.test' });
    const shared = await (await signIn(app, admin)).put(`/api/clients/${contoso.id}/sso`, PROVIDER({ domains: ['shared.test'] }));
    expect(shared.status).toBe(400);
    expect(shared.body.error.message).toContain('outside this organisation');
    expect(await providers()).toEqual([]);
  });

  it('a Manager sets it for their own domains; the secret is sealed; the firm sees the same; audited to the client', async () => {
    const m = await signIn(app, manager);
    const res = await m.put('/api/portal/sso', PROVIDER());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.provider).toMatchObject({ label: 'Contoso Okta', domains: ['contoso.test'], jitRole: 'viewer', secretSet: true, backchannelLogout: true });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(res.body.provider.roleMap).toBeUndefined();
    expect((await (await signIn(app, admin)).get(`/api/clients/${contoso.id}/sso`)).body.provider).toEqual(res.body.provider);
    expect((await m.get('/api/portal/sso')).body.provider).toEqual(res.body.provider);
    const row = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'sso.provider_configured')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ client_id: contoso.id, actor_id: manager.id, target_type: 'client', target_id: contoso.id });
    expect(row.details).not.toContain(SECRET);
    // Another client may not take the same domain.
    const taken = await (await signIn(app, admin)).put(`/api/clients/${fabrikam.id}/sso`, PROVIDER({ clientId: 'fabrikam', domains: ['contoso.test'] }));
    expect(taken.status).toBe(400);
    expect(taken.body.error.message).toContain('another organisation');
    expect((await new Agent(app.url).get('/api/auth/sso')).body).toEqual({ staff: null, clients: true });
  });

  it('without back-channel logout at the provider, a session length is required, and it caps the sessions it makes', async () => {
    const agent = await signIn(app, admin);
    const fab = (over: Record<string, unknown> = {}) =>
      PROVIDER({ issuer: quiet.issuer, clientId: 'quiet', domains: ['fabrikam.test'], label: 'Fabrikam', ...over });
    const missing = await agent.put(`/api/clients/${fabrikam.id}/sso`, fab());
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0]).toMatchObject({ path: 'sessionMaxMinutes' });
    const ok = await agent.put(`/api/clients/${fabrikam.id}/sso`, fab({ sessionMaxMinutes: 60 }));
    expect(ok.status).toBe(200);
    expect(ok.body.provider).toMatchObject({ backchannelLogout: false, sessionMaxMinutes: 60 });
    const person = await buildPortalUser(app.db, { client_id: fabrikam.id, email: 'fred@fabrikam.test' });
    const signed = await signInThrough(app.url, quiet, ok.body.provider.id, account(person.email));
    expect(signed.location).toBe('/');
    const session = await app.db.selectFrom('sessions').selectAll().where('user_id', '=', person.id).executeTakeFirstOrThrow();
    expect(session.expires_at - session.created_at).toBe(60 * 60_000);
    // Removing it: its people sign in with their passwords again; audited.
    expect((await agent.delete(`/api/clients/${fabrikam.id}/sso`)).body).toEqual({ provider: null });
    expect((await agent.get(`/api/clients/${fabrikam.id}/sso`)).body).toEqual({ provider: null });
    expect(await app.db.selectFrom('audit_events').select('target_id').where('action', '=', 'sso.provider_removed').executeTakeFirstOrThrow()).toEqual({
      target_id: fabrikam.id,
    });
  });
});

describe("signing in through a client's provider", () => {
  let providerId: string;
  beforeAll(async () => {
    providerId = (await (await signIn(app, manager)).get('/api/portal/sso')).body.provider.id;
  });

  it('is offered for its domains only', async () => {
    const discover = (email: unknown) => new Agent(app.url).post('/api/auth/sso/discover', { email });
    expect((await discover('Someone@Contoso.test')).body).toEqual({ provider: { id: providerId, label: 'Contoso Okta' } });
    expect((await discover('someone@elsewhere.test')).body).toEqual({ provider: null });
    expect((await discover('not an address')).status).toBe(400);
    expect((await discover(42)).status).toBe(400);
  });

  it('signs in that client’s people (the provider’s MFA trusted when it says so), linked by verified e-mail', async () => {
    const carla = await buildPortalUser(app.db, { client_id: contoso.id, email: 'carla@contoso.test' });
    const who = account('carla@contoso.test');
    const res = await signInThrough(app.url, op, providerId, who, { query: '?login_hint=carla%40contoso.test' });
    expect(res.location).toBe('/');
    expect((await res.agent.get('/api/session')).body).toMatchObject({ mfaVerified: true, user: { id: carla.id } });
    expect(await lastLogin()).toMatchObject({
      outcome: 'success',
      target: carla.id,
      client: contoso.id,
      details: { factor: 'oidc', linkedVia: 'email', mfaTrusted: true },
    });
    // Without the provider's word on MFA, Debrief asks its own.
    expect((await signInThrough(app.url, op, providerId, { ...who, amr: ['pwd'] })).location).toBe('/mfa/setup');
  });

  it('gives nothing to a person of another client, staff, an address outside its domains, or an account disabled at the provider', async () => {
    // Fabrikam's person with an address at Contoso's domain (added after the domain was set).
    const bob = await buildPortalUser(app.db, { client_id: fabrikam.id, email: 'bob@contoso.test' });
    const other = await signInThrough(app.url, op, providerId, account('bob@contoso.test'));
    expect(other.location).toBe('/login?sso=failed');
    expect(other.browser.jar.get('debrief_session')).toBeUndefined();
    expect(await lastLogin()).toMatchObject({ outcome: 'denied', target: bob.id, details: { reason: 'other_client' } });
    const staff = await buildStaff(app.db, { role: 'analyst', email: 'sid@contoso.test' });
    expect((await signInThrough(app.url, op, providerId, account(staff.email))).location).toBe('/login?sso=failed');
    expect(await lastLogin()).toMatchObject({ outcome: 'denied', target: staff.id, details: { reason: 'wrong_account_kind' } });
    const outside = await buildPortalUser(app.db, { client_id: contoso.id, email: 'out@elsewhere.test' });
    expect((await signInThrough(app.url, op, providerId, account(outside.email))).location).toBe('/login?sso=failed');
    expect(await lastLogin()).toMatchObject({ outcome: 'denied', target: outside.id, details: { reason: 'domain_not_allowed' } });
    // No account and no JIT: nothing is created.
    expect((await signInThrough(app.url, op, providerId, account('new@contoso.test'))).location).toBe('/login?sso=failed');
    expect(await app.db.selectFrom('users').select('id').where('email', '=', 'new@contoso.test').executeTakeFirst()).toBeUndefined();
    // Disabled at the provider: the provider refuses, and so does Debrief.
    await buildPortalUser(app.db, { client_id: contoso.id, email: 'dee@contoso.test' });
    const disabled = await signInThrough(app.url, op, providerId, account('dee@contoso.test', { disabled: true }));
    expect(disabled.location).toBe('/login?sso=failed');
    expect((await lastLogin()).details).toMatchObject({ reason: 'provider_error:access_denied' });
  });

  it('creates a viewer of that client just in time when the Manager turns it on', async () => {
    const m = await signIn(app, manager);
    expect((await m.put('/api/portal/sso', PROVIDER({ clientSecret: undefined, jit: true }))).status).toBe(200);
    const res = await signInThrough(app.url, op, providerId, account('jit@contoso.test', { name: 'Jo Jit' }));
    expect(res.location).toBe('/');
    expect(
      await app.db.selectFrom('users').select(['kind', 'role', 'client_id', 'name']).where('email', '=', 'jit@contoso.test').executeTakeFirstOrThrow(),
    ).toEqual({
      kind: 'portal',
      role: 'viewer',
      client_id: contoso.id,
      name: 'Jo Jit',
    });
    // Never for an address outside its domains.
    expect((await signInThrough(app.url, op, providerId, account('jit@elsewhere.test'))).location).toBe('/login?sso=failed');
    expect(await app.db.selectFrom('users').select('id').where('email', '=', 'jit@elsewhere.test').executeTakeFirst()).toBeUndefined();
  });

  it('signing out answers where to sign out at the provider too; a password session gets null', async () => {
    await buildPortalUser(app.db, { client_id: contoso.id, email: 'lou@contoso.test' });
    const { agent } = await signInThrough(app.url, op, providerId, account('lou@contoso.test'));
    const res = await agent.post('/api/auth/logout');
    expect(res.status).toBe(200);
    const url = new URL(res.body.providerLogoutUrl);
    expect(url.origin + url.pathname).toBe(`${op.issuer}/session/end`);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${app.url}/login`);
    expect(url.searchParams.get('id_token_hint')).toBeTruthy();
    expect((await agent.get('/api/session')).status).toBe(401);
    expect((await (await signIn(app, manager)).post('/api/auth/logout')).body).toEqual({ providerLogoutUrl: null });
  });
});

describe('back-channel logout tokens', () => {
  const post = (token: string) =>
    fetch(`${app.url}/api/auth/sso/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }),
    });
  const EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} };

  it('a valid token ends that session once; a replay, a forged, a stale, a nonce-carrying or another audience’s token is refused', async () => {
    const providerId = (await (await signIn(app, manager)).get('/api/portal/sso')).body.provider.id;
    const person = await buildPortalUser(app.db, { client_id: contoso.id, email: 'val@contoso.test' });
    const who = account(person.email);
    const { agent } = await signInThrough(app.url, op, providerId, who);
    const { sid } = await app.db.selectFrom('sso_sessions').select('sid').where('sub', '=', who.sub).executeTakeFirstOrThrow();
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: op.issuer, aud: 'contoso', iat: now, exp: now + 120, jti: `jti-${n}`, sid, events: EVENT };
    const refused = [
      await op.signLogoutToken(claims, { otherKey: true }),
      await op.signLogoutToken({ ...claims, jti: 'stale', iat: now - 3600 }),
      await op.signLogoutToken({ ...claims, jti: 'nonce', nonce: 'n' }),
      await op.signLogoutToken({ ...claims, jti: 'events', events: {} }),
      await op.signLogoutToken({ ...claims, jti: 'aud', aud: 'someone-else' }),
      await op.signLogoutToken({ ...claims, jti: 'neither', sid: undefined }),
    ];
    for (const token of refused) expect((await post(token)).status).toBe(400);
    expect((await agent.get('/api/session')).status).toBe(200);
    const good = await op.signLogoutToken(claims);
    expect((await post(good)).status).toBe(200);
    const after = await agent.get('/api/session');
    expect(after.status).toBe(401);
    expect(after.body.error.details).toEqual({ reason: 'signed_out_at_provider' });
    expect((await post(good)).status).toBe(400);
    const replay = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'sso.backchannel_logout')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(replay).toMatchObject({ outcome: 'failure', client_id: contoso.id });
    expect(JSON.parse(replay.details!)).toMatchObject({ reason: 'replay' });
  });
});
