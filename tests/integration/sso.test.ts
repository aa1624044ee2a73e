import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildFirm, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { enrolTotp } from '../support/totp.js';
import { inviteTokenFor } from '../support/invitations.js';
import { debriefAtProvider, signInThrough, startProvider, type TestAccount, type TestProvider } from '../support/oidc-provider.js';
import { openSecret } from '../../server/auth/secret-box.js';

/**
 * Staff single sign-on against a real OpenID provider (oidc-provider on a loopback port): the
 * administrator's configuration, the code flow with PKCE, state, nonce and the ID token's times
 * checked, linking by verified e-mail only, the role claim deciding, JIT off and on, and the MFA policy.
 */

let app: TestApp;
let op: TestProvider;
let admin: UserRow;
const SECRET = 'a-client-secret-for-the-tests';
const CALLBACK = () => `${app.url}/api/auth/sso/callback`;

beforeAll(async () => {
  app = await startTestApp({ SSO_ALLOW_HTTP: 'true' });
  await buildFirm(app.db, { name: 'Northwind Security' });
  admin = await buildStaff(app.db, { role: 'admin', email: 'ada@northwind.test' });
  op = await startProvider(
    [debriefAtProvider(app.url, 'debrief', SECRET)],
    60, // ID tokens live a minute: the expiry test (the last) moves the server's clock past it
  );
});
afterAll(async () => {
  await op?.close();
  await app?.close();
});
beforeEach(async () => {
  await app.db.deleteFrom('auth_throttle').execute();
});

const PROVIDER = () => ({
  label: 'Northwind Entra',
  issuer: op.issuer,
  clientId: 'debrief',
  clientSecret: SECRET,
  scopes: 'openid email profile groups',
  roleClaim: 'groups',
  roleMap: { admin: ['debrief-admins'], analyst: ['debrief-analysts'] },
});

async function configure(body: Record<string, unknown> = {}) {
  const res = await (await signIn(app, admin)).put('/api/admin/sso', { ...PROVIDER(), ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.provider as { id: string };
}

const lastLogin = async () => {
  const row = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'auth.login').orderBy('id', 'desc').executeTakeFirstOrThrow();
  return { outcome: row.outcome, target: row.target_id, details: JSON.parse(row.details ?? '{}') as Record<string, unknown> };
};

let n = 0;
const account = (over: Partial<TestAccount> = {}): TestAccount => {
  n += 1;
  return { sub: `sub-${n}`, email: `person-${n}@northwind.test`, email_verified: true, groups: ['debrief-analysts'], amr: ['pwd'], ...over };
};

/** Through the firm's provider to the callback (see signInThrough). */
async function ssoSignIn(who: TestAccount, opts: Parameters<typeof signInThrough>[4] = {}) {
  const { id } = (await (await signIn(app, admin)).get('/api/admin/sso')).body.provider;
  return signInThrough(app.url, op, id, who, opts);
}

describe("the firm's provider", () => {
  it('is set by an administrator after its discovery document was read; the secret is sealed and never shown', async () => {
    const anon = new Agent(app.url);
    expect((await anon.put('/api/admin/sso', PROVIDER())).status).toBe(401);
    const analyst = await signIn(app, await buildStaff(app.db, { role: 'analyst' }));
    expect((await analyst.put('/api/admin/sso', PROVIDER())).status).toBe(403);
    expect((await analyst.get('/api/admin/sso')).status).toBe(403);
    const portal = await signIn(app, await buildPortalUser(app.db));
    expect((await portal.put('/api/admin/sso', PROVIDER())).status).toBe(403);
    const agent = await signIn(app, admin);
    expect((await agent.put('/api/admin/sso', { ...PROVIDER(), scopes: 'email' })).status).toBe(400);
    expect((await agent.put('/api/admin/sso', { ...PROVIDER(), extra: 1 })).status).toBe(400);
    // An address that is not the provider's issuer (same server, other name): refused, nothing saved.
    const wrong = await agent.put('/api/admin/sso', { ...PROVIDER(), issuer: op.issuer.replace('127.0.0.1', 'localhost') });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain('discovery_issuer_mismatch');
    expect(await app.db.selectFrom('sso_providers').selectAll().execute()).toEqual([]);
    expect((await new Agent(app.url).get('/api/auth/sso')).body).toEqual({ staff: null, clients: false });

    const saved = await configure();
    expect(saved).toMatchObject({ label: 'Northwind Entra', issuer: op.issuer, clientId: 'debrief', secretSet: true, callbackUrl: CALLBACK() });
    expect(JSON.stringify(saved)).not.toContain(SECRET);
    const row = await app.db.selectFrom('sso_providers').selectAll().executeTakeFirstOrThrow();
    expect(row.client_secret_enc).not.toContain(SECRET);
    expect(openSecret(app.config, row.client_secret_enc, `sso:${row.id}`)).toBe(SECRET);
    expect((await new Agent(app.url).get('/api/auth/sso')).body).toEqual({ staff: { id: saved.id, label: 'Northwind Entra' }, clients: false });
    // The provider says it sends back-channel logout; the addresses to register there are shown.
    expect(saved).toMatchObject({ backchannelLogout: true, backchannelLogoutUrl: `${app.url}/api/auth/sso/backchannel-logout` });
    expect((await agent.get('/api/admin/sso')).body.policy).toEqual({ ssoOnlyStaff: false, breakGlassUserId: null });
    // A change without the secret keeps it.
    await configure({ clientSecret: undefined, label: 'Northwind SSO' });
    expect((await app.db.selectFrom('sso_providers').select('client_secret_enc').executeTakeFirstOrThrow()).client_secret_enc).toBe(row.client_secret_enc);
  });
});

describe('staff signing in through it', () => {
  beforeAll(async () => {
    await configure();
  });

  it('links an existing account by verified e-mail, then by subject; PKCE, state and nonce are sent', async () => {
    const person = await buildStaff(app.db, { role: 'analyst', email: 'ana@northwind.test' });
    const who = account({ email: 'ana@northwind.test' });
    const first = await ssoSignIn(who, {
      tamper: (u) => expect(u.searchParams.get('code')).toBeTruthy(),
    });
    expect(first.status).toBe(303);
    expect(first.location).toBe('/mfa/setup'); // Debrief's own second factor is required by default
    expect((await first.agent.get('/api/session')).body).toMatchObject({ mfaVerified: false, mfaStep: 'enrol', user: { id: person.id } });
    expect(await lastLogin()).toMatchObject({ outcome: 'success', target: person.id, details: { factor: 'oidc', linkedVia: 'email', mfaTrusted: false } });
    // The start asked for PKCE (S256), a state and a nonce.
    const start = await fetch(`${app.url}/api/auth/sso/${(await app.db.selectFrom('sso_providers').select('id').executeTakeFirstOrThrow()).id}/start`, {
      redirect: 'manual',
    });
    const at = new URL(start.headers.get('location')!);
    expect(at.searchParams.get('code_challenge_method')).toBe('S256');
    expect(at.searchParams.get('state')).toBeTruthy();
    expect(at.searchParams.get('nonce')).toBeTruthy();
    expect(start.headers.get('set-cookie')).toMatch(/^debrief_sso=[a-z0-9]+; Path=\/api\/auth\/sso\/callback; HttpOnly; SameSite=Lax; Max-Age=600$/);
    // The address changes at the provider: the subject still finds the person.
    const again = await ssoSignIn({ ...who, email: 'renamed@northwind.test' });
    expect((await again.agent.get('/api/session')).body.user.id).toBe(person.id);
  });

  it('refuses a changed state, a missing or used binding cookie, and a changed nonce', async () => {
    await buildStaff(app.db, { role: 'analyst', email: 'sam@northwind.test' });
    const who = account({ email: 'sam@northwind.test' });
    const wrongState = await ssoSignIn(who, { tamper: (u) => u.searchParams.set('state', 'not-the-state') });
    expect(wrongState.location).toBe('/login?sso=failed');
    expect((await lastLogin()).details).toMatchObject({ reason: 'state_mismatch' });

    const noCookie = await ssoSignIn(who, { tamper: () => undefined, beforeCallback: async () => undefined, browser: undefined });
    expect(noCookie.status).toBe(303);
    const replay = await noCookie.browser.get(noCookie.callback.href);
    expect(replay.headers.get('location')).toBe('/login?sso=failed');
    expect((await lastLogin()).details).toMatchObject({ reason: 'no_login_state' });

    const nonce = await ssoSignIn(who, {
      beforeCallback: async () => void (await app.db.updateTable('sso_login_states').set({ nonce: 'another-nonce' }).execute()),
    });
    expect(nonce.location).toBe('/login?sso=failed');
    expect((await lastLogin()).details).toMatchObject({ reason: 'nonce_mismatch' });
    expect(nonce.browser.jar.get('debrief_session')).toBeUndefined();
  });

  it('refuses an ID token for another audience or from another issuer, and a callback naming another issuer', async () => {
    await buildStaff(app.db, { role: 'analyst', email: 'ida@northwind.test' });
    const who = account({ email: 'ida@northwind.test' });
    for (const [change, reason] of [
      [(c: Record<string, unknown>) => ({ ...c, aud: 'another-client' }), 'audience_mismatch'],
      [(c: Record<string, unknown>) => ({ ...c, iss: 'http://evil.test' }), 'issuer_mismatch'],
    ] as const) {
      op.tamperIdTokens(change);
      try {
        const res = await ssoSignIn(who);
        expect(res.location, reason).toBe('/login?sso=failed');
        expect(res.browser.jar.get('debrief_session')).toBeUndefined();
        expect((await lastLogin()).details).toMatchObject({ reason });
      } finally {
        op.tamperIdTokens(null);
      }
    }
    // RFC 9207: the authorization response's own `iss` must be the provider's.
    expect((await ssoSignIn(who, { tamper: (u) => u.searchParams.set('iss', 'http://evil.test') })).location).toBe('/login?sso=failed');
    expect((await lastLogin()).details).toMatchObject({ reason: 'issuer_mismatch' });
    // Untampered, the same person signs in.
    expect((await ssoSignIn(who)).location).toBe('/mfa/setup');
  });

  it('links no one by an unverified e-mail, and never a client’s person or an unmapped group', async () => {
    await buildStaff(app.db, { role: 'analyst', email: 'uma@northwind.test' });
    expect((await ssoSignIn(account({ email: 'uma@northwind.test', email_verified: false }))).location).toBe('/login?sso=failed');
    expect((await lastLogin()).details).toMatchObject({ reason: 'email_unverified' });
    const portal = await buildPortalUser(app.db, { email: 'pat@client.test' });
    expect((await ssoSignIn(account({ email: 'pat@client.test' }))).location).toBe('/login?sso=failed');
    expect(await lastLogin()).toMatchObject({ outcome: 'denied', target: portal.id, details: { reason: 'wrong_account_kind' } });
    await buildStaff(app.db, { role: 'analyst', email: 'gus@northwind.test' });
    expect((await ssoSignIn(account({ email: 'gus@northwind.test', groups: ['everyone'] }))).location).toBe('/login?sso=no_access');
    expect(await lastLogin()).toMatchObject({ outcome: 'denied', details: { reason: 'no_access' } });
  });

  it("the provider's group decides the role, audited", async () => {
    const person = await buildStaff(app.db, { role: 'analyst', email: 'rex@northwind.test' });
    await ssoSignIn(account({ email: 'rex@northwind.test', groups: ['staff', 'debrief-admins'] }));
    expect((await app.db.selectFrom('users').select('role').where('id', '=', person.id).executeTakeFirstOrThrow()).role).toBe('admin');
    const row = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'sso.role_mapped')
      .where('target_id', '=', person.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.details!)).toMatchObject({ from: 'analyst', to: 'admin', matched: 'debrief-admins' });
  });

  it('creates no account unless just-in-time creation is on', async () => {
    expect((await ssoSignIn(account({ email: 'new@northwind.test' }))).location).toBe('/login?sso=failed');
    expect((await lastLogin()).details).toMatchObject({ reason: 'no_account' });
    await configure({ clientSecret: undefined, jit: true });
    try {
      const res = await ssoSignIn(account({ email: 'newer@northwind.test', name: 'Nia Newer' }));
      expect(res.location).toBe('/mfa/setup');
      const user = await app.db.selectFrom('users').selectAll().where('email', '=', 'newer@northwind.test').executeTakeFirstOrThrow();
      expect(user).toMatchObject({ kind: 'staff', role: 'analyst', name: 'Nia Newer', password_hash: null, status: 'active' });
    } finally {
      await configure({ clientSecret: undefined, jit: false });
    }
  });

  it("asks Debrief's own second factor unless the provider's MFA is trusted and it says it did one", async () => {
    const person = await buildStaff(app.db, { role: 'analyst', email: 'tia@northwind.test' });
    await enrolTotp(app, person);
    const tia = account({ email: 'tia@northwind.test', amr: ['pwd', 'otp'] });
    expect((await ssoSignIn(tia)).location).toBe('/login/mfa');
    // Another subject of the same provider presenting the same address links to nobody.
    expect((await ssoSignIn(account({ email: 'tia@northwind.test' }))).location).toBe('/login?sso=failed');
    expect(await lastLogin()).toMatchObject({ outcome: 'denied', target: person.id, details: { reason: 'linked_to_other_subject' } });
    await configure({ clientSecret: undefined, trustProviderMfa: true });
    try {
      const trusted = await ssoSignIn(tia);
      expect(trusted.location).toBe('/');
      expect((await trusted.agent.get('/api/session')).body).toMatchObject({ mfaVerified: true });
      const passwordOnly = await ssoSignIn({ ...tia, amr: ['pwd'] });
      expect(passwordOnly.location).toBe('/login/mfa');
    } finally {
      await configure({ clientSecret: undefined, trustProviderMfa: false });
    }
  });

  it("ends the Debrief session when the provider's back-channel logout says so; a bad or replayed token changes nothing", async () => {
    const person = await buildStaff(app.db, { role: 'analyst', email: 'bea@northwind.test' });
    const who = account({ email: 'bea@northwind.test' });
    const signedIn = await ssoSignIn(who);
    expect((await signedIn.agent.get('/api/session')).status).toBe(200);
    const row = await app.db.selectFrom('sso_sessions').selectAll().where('sub', '=', who.sub).executeTakeFirstOrThrow();
    expect(row.sid).toBeTruthy();
    // Nonsense and an unsigned token are refused, and audited.
    const post = (body: string) =>
      fetch(`${app.url}/api/auth/sso/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect((await post('logout_token=not-a-jwt')).status).toBe(400);
    expect((await post('')).status).toBe(400);
    expect((await signedIn.agent.get('/api/session')).status).toBe(200);
    // The provider's own call (its signed logout token for this sid).
    const client = await op.provider.Client.find('debrief');
    await client.backchannelLogout(who.sub, row.sid);
    const after = await signedIn.agent.get('/api/session');
    expect(after.status).toBe(401);
    expect(after.body.error.details).toEqual({ reason: 'signed_out_at_provider' });
    const audit = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'sso.backchannel_logout')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.outcome).toBe('success');
    expect(JSON.parse(audit.details!)).toMatchObject({ sessionsEnded: 1 });
    expect(person.id).toBeTruthy();
  });

  it('SSO-only staff: passwords, a passkey alone and resets refused for staff, but the break-glass admin (password + MFA)', async () => {
    const glass = await buildStaff(app.db, { role: 'admin', email: 'glass@northwind.test' });
    const staff = await buildStaff(app.db, { role: 'analyst', email: 'pam@northwind.test' });
    const portal = await buildPortalUser(app.db, { email: 'cli@client.test' });
    const adminAgent = await signIn(app, admin);
    // Guards: a break-glass admin without a second factor; a caller who signed in by password.
    expect((await adminAgent.put('/api/admin/sso/policy', { ssoOnlyStaff: true, breakGlassUserId: glass.id })).status).toBe(409);
    await enrolTotp(app, glass);
    expect((await adminAgent.put('/api/admin/sso/policy', { ssoOnlyStaff: true, breakGlassUserId: glass.id })).status).toBe(409);
    expect((await adminAgent.put('/api/admin/sso/policy', { ssoOnlyStaff: true, breakGlassUserId: staff.id })).status).toBe(409);
    expect((await adminAgent.put('/api/admin/sso/policy', { ssoOnlyStaff: 'yes' })).status).toBe(400);
    const analystAgent = await signIn(app, staff);
    expect((await analystAgent.put('/api/admin/sso/policy', { ssoOnlyStaff: false, breakGlassUserId: null })).status).toBe(403);
    const throughSso = (await ssoSignIn(account({ email: (await buildStaff(app.db, { role: 'analyst', email: 'sol@northwind.test' })).email }))).agent;
    const portalAgent = await signIn(app, portal);
    const glassAgent = await signIn(app, glass);
    const invited = await adminAgent.post('/api/staff', { email: 'ivy@northwind.test', name: 'Ivy Invited', role: 'analyst' });
    expect(invited.status).toBe(201);
    const on = await glassAgent.put('/api/admin/sso/policy', { ssoOnlyStaff: true, breakGlassUserId: glass.id });
    expect(on.status).toBe(200);
    try {
      // Staff signed in by password sign in again, through the provider; SSO, break-glass and portal sessions go on.
      for (const ended of [analystAgent, adminAgent]) {
        const res = await ended.get('/api/session');
        expect(res.status).toBe(401);
        expect(res.body.error.details).toEqual({ reason: 'sso_required' });
      }
      for (const kept of [throughSso, glassAgent, portalAgent]) expect((await kept.get('/api/session')).status).toBe(200);
      // An invited staff member gets no password: they sign in through the provider.
      const token = await inviteTokenFor(app, 'ivy@northwind.test');
      const accept = await new Agent(app.url).post('/api/invitations/accept', { token, password: 'a long enough passphrase 71' });
      expect(accept.status).toBe(403);
      expect(
        (await app.db.selectFrom('users').select(['status', 'password_hash']).where('email', '=', 'ivy@northwind.test').executeTakeFirstOrThrow())
          .password_hash,
      ).toBeNull();
      expect((await ssoSignIn(account({ email: 'ivy@northwind.test' }))).location).toBe('/mfa/setup');
      // The break-glass admin cannot be removed, demoted or left without a second factor meanwhile.
      expect((await glassAgent.post(`/api/admin/users/${glass.id}/mfa-reset`, {})).status).toBe(409);
      const other = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
      expect((await other.post(`/api/staff/${glass.id}/remove`)).status).toBe(409);
      expect((await other.patch(`/api/staff/${glass.id}`, { role: 'analyst' })).status).toBe(409);
      expect(await app.db.selectFrom('users').select(['role', 'status', 'totp_secret_enc']).where('id', '=', glass.id).executeTakeFirstOrThrow()).toMatchObject(
        {
          role: 'admin',
          status: 'active',
        },
      );
      const login = (email: string) => new Agent(app.url).post('/api/auth/login', { email, password: PASSWORD });
      const refused = await login(staff.email);
      expect(refused.status).toBe(403);
      expect(await lastLogin()).toMatchObject({ outcome: 'denied', target: staff.id, details: { reason: 'sso_only' } });
      // A wrong password is still the plain refusal (the rule says nothing to someone without it).
      expect((await new Agent(app.url).post('/api/auth/login', { email: staff.email, password: 'wrong one' })).status).toBe(401);
      expect((await login(glass.email)).body).toEqual({ mfaStep: 'verify', mfaMethods: ['totp', 'recovery_code'] });
      expect((await login(portal.email)).status).toBe(200); // the rule is staff's only
      // A reset mail is not sent to staff (the same answer as for anyone).
      const reset = await new Agent(app.url).post('/api/auth/password-reset', { email: staff.email });
      expect(reset.status).toBe(202);
      const row = await app.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'password.reset_requested')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(row.outcome).toBe('failure');
      // Single sign-on still signs staff in.
      const viaSso = await ssoSignIn(account({ email: staff.email }));
      expect(viaSso.location).toBe('/mfa/setup');
      // The break-glass admin is never signed in by the provider.
      expect((await ssoSignIn(account({ email: glass.email, groups: ['debrief-admins'] }))).location).toBe('/login?sso=failed');
      expect((await lastLogin()).details).toMatchObject({ reason: 'break_glass_password_only' });
    } finally {
      await (await signIn(app, glass)).put('/api/admin/sso/policy', { ssoOnlyStaff: false, breakGlassUserId: null });
    }
  });

  it('without a role claim, roles stay Debrief’s: an admin stays an admin, and a new person is an analyst', async () => {
    await configure({ clientSecret: undefined, roleClaim: null, jit: true });
    try {
      const boss = await buildStaff(app.db, { role: 'admin', email: 'bo@northwind.test' });
      expect((await ssoSignIn(account({ email: boss.email, groups: [] }))).location).toBe('/mfa/setup');
      expect((await app.db.selectFrom('users').select('role').where('id', '=', boss.id).executeTakeFirstOrThrow()).role).toBe('admin');
      expect((await ssoSignIn(account({ email: 'fresh@northwind.test', groups: ['debrief-admins'] }))).location).toBe('/mfa/setup');
      expect((await app.db.selectFrom('users').select('role').where('email', '=', 'fresh@northwind.test').executeTakeFirstOrThrow()).role).toBe('analyst');
    } finally {
      await configure({ clientSecret: undefined, jit: false });
    }
  });

  // Last: the server's clock stays five minutes ahead.
  it('refuses an expired ID token (the server’s clock past its minute)', async () => {
    await buildStaff(app.db, { role: 'analyst', email: 'eve@northwind.test' });
    const res = await ssoSignIn(account({ email: 'eve@northwind.test' }), { beforeCallback: async () => app.clock.advance(5 * 60_000) });
    expect(res.location).toBe('/login?sso=failed');
    expect((await lastLogin()).details).toMatchObject({ reason: 'token_expired' });
  });
});
