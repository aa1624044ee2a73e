import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { enrolTotp, totpCode } from '../support/totp.js';
import { SoftAuthenticator } from '../support/passkeys.js';

/**
 * Passkeys over HTTP with a software authenticator (real ES256 signatures checked by the server's
 * @simplewebauthn/server): registration, the second factor, passwordless sign-in, the
 * passkeys-only policy, removal and an admin's reset. Chromium's virtual authenticator drives the
 * same flows through the pages in tests/e2e/passkeys.test.ts.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db, { name: 'Northwind Security' });
});
afterAll(() => app.close());
beforeEach(async () => {
  app.clock.advance(61_000);
  await app.db.deleteFrom('auth_throttle').execute();
});

const auditRows = (action: string, targetId: string) =>
  app.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('target_id', '=', targetId).orderBy('id').execute();
const lastAudit = async (action: string, targetId: string) => {
  const rows = await auditRows(action, targetId);
  const row = rows.at(-1)!;
  return { outcome: row.outcome, details: JSON.parse(row.details ?? '{}') as Record<string, unknown> };
};
const passkeyRows = (userId: string) => app.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).execute();
const setFirm = (values: { passwordless_sign_in?: number; staff_passkeys_only?: number }) => app.db.updateTable('firm').set(values).execute();

/** A signed-in person adds a passkey (password, options, the authenticator's answer). */
async function addPasskey(agent: Agent, auth: SoftAuthenticator, name = 'Laptop') {
  const start = await agent.post('/api/profile/passkeys/options', { password: PASSWORD });
  expect(start.status).toBe(200);
  const { response, passkey } = auth.register(start.body.options);
  const done = await agent.post('/api/profile/passkeys', { name, response });
  expect(done.status).toBe(201);
  return { passkey, dto: done.body.passkey as { id: string; name: string } };
}

async function passwordStep(user: Pick<UserRow, 'email'>) {
  const agent = new Agent(app.url);
  const res = await agent.post('/api/auth/login', { email: user.email, password: PASSWORD });
  expect(res.status).toBe(200);
  return { agent, body: res.body as { mfaStep: string | null; mfaMethods: string[] } };
}

/** A portal user with an authenticator app and one passkey. */
async function personWithPasskey(overrides: Parameters<typeof buildPortalUser>[1] = {}) {
  const user = await buildPortalUser(app.db, overrides);
  const secret = await enrolTotp(app, user);
  const auth = new SoftAuthenticator(app.url);
  const { passkey, dto } = await addPasskey(await signIn(app, user), auth);
  return { user, secret, auth, passkey, dto };
}

describe('registering a passkey', () => {
  it('signed in: needs the password, then keeps the verified credential, listed and audited', async () => {
    const user = await buildPortalUser(app.db);
    await enrolTotp(app, user);
    const agent = await signIn(app, user);
    expect((await agent.post('/api/profile/passkeys/options', {})).status).toBe(400);
    const wrong = await agent.post('/api/profile/passkeys/options', { password: 'not it' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('validation_failed');
    const start = await agent.post('/api/profile/passkeys/options', { password: PASSWORD });
    expect(start.status).toBe(200);
    const options = start.body.options;
    expect(options.rp).toEqual({ id: '127.0.0.1', name: 'Northwind Security' });
    expect(options.authenticatorSelection).toMatchObject({ userVerification: 'required' });
    expect(options.attestation).toBe('none');
    const auth = new SoftAuthenticator(app.url);
    const { response } = auth.register(options);
    const done = await agent.post('/api/profile/passkeys', { name: '  Work laptop ', response });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ passkey: { name: 'Work laptop', lastUsedAt: null, backedUp: false }, recoveryCodes: null });
    const [row] = await passkeyRows(user.id);
    expect(row).toMatchObject({ credential_id: response.id, counter: 0, transports: '["internal"]', device_type: 'singleDevice' });
    const status = await agent.get('/api/profile/mfa');
    expect(status.body).toMatchObject({
      enrolled: true,
      authenticatorApp: true,
      passkeysOnly: false,
      passkeys: [{ id: done.body.passkey.id, name: 'Work laptop' }],
    });
    expect((await app.db.selectFrom('users').select('passkey_count').where('id', '=', user.id).executeTakeFirstOrThrow()).passkey_count).toBe(1);
    expect(await lastAudit('passkey.registered', user.id)).toEqual({
      outcome: 'success',
      details: { passkeyId: done.body.passkey.id, backedUp: false, deviceType: 'singleDevice', firstFactor: false },
    });
    // Registering again excludes the one already there.
    const again = await agent.post('/api/profile/passkeys/options', { password: PASSWORD });
    expect(again.body.options.excludeCredentials).toEqual([{ id: response.id, type: 'public-key', transports: ['internal'] }]);
  });

  it('uses each challenge once, and refuses a wrong origin, a wrong challenge or no user verification, storing nothing', async () => {
    const user = await buildPortalUser(app.db);
    await enrolTotp(app, user);
    const agent = await signIn(app, user);
    const auth = new SoftAuthenticator(app.url);
    for (const tamper of [{ origin: 'https://evil.test' }, { challenge: 'AAAA' }, { userVerified: false }]) {
      const start = await agent.post('/api/profile/passkeys/options', { password: PASSWORD });
      const { response } = auth.register(start.body.options, tamper);
      const res = await agent.post('/api/profile/passkeys', { name: 'Bad', response });
      expect(res.status, JSON.stringify(tamper)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      // The challenge went with the attempt: the right answer to it is refused now.
      const retry = await agent.post('/api/profile/passkeys', { name: 'Bad', response: auth.register(start.body.options).response });
      expect(retry.status).toBe(409);
    }
    expect(await passkeyRows(user.id)).toEqual([]);
    expect((await lastAudit('passkey.registered', user.id)).details).toEqual({ reason: 'no_challenge' });
    expect((await auditRows('passkey.registered', user.id)).filter((r) => r.details?.includes('invalid_response'))).toHaveLength(3);
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const user = await buildPortalUser(app.db);
    const agent = await signIn(app, user);
    const start = await agent.post('/api/profile/passkeys/options', { password: PASSWORD });
    const { response } = new SoftAuthenticator(app.url).register(start.body.options);
    for (const body of [
      { name: '', response },
      { name: 'x'.repeat(61), response },
      { name: 'A', response: { ...response, type: 'other' } },
      { name: 'A' },
      { name: 'A', response, extra: 1 },
    ]) {
      expect((await agent.post('/api/profile/passkeys', body)).status, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
    expect((await agent.post('/api/profile/passkeys/options', { password: PASSWORD, other: true })).status).toBe(400);
    expect(await passkeyRows(user.id)).toEqual([]);
  });

  it('is refused to anonymous callers and to a half-signed-in session that owes its factor', async () => {
    const anon = new Agent(app.url);
    expect((await anon.post('/api/profile/passkeys/options', {})).status).toBe(401);
    expect((await anon.post('/api/profile/passkeys', { name: 'A', response: {} })).status).toBe(401);
    const user = await buildPortalUser(app.db);
    await enrolTotp(app, user);
    const { agent } = await passwordStep(user);
    const res = await agent.post('/api/profile/passkeys/options', {});
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('mfa_required');
  });

  it('as a first factor at sign-in: no password asked, ten recovery codes, and the session is verified', async () => {
    const user = await buildPortalUser(app.db);
    const { agent, body } = await passwordStep(user);
    expect(body).toEqual({ mfaStep: 'enrol', mfaMethods: ['passkey', 'totp'] });
    const half = agent.cookie;
    const start = await agent.post('/api/profile/passkeys/options', {});
    expect(start.status).toBe(200);
    const done = await agent.post('/api/profile/passkeys', { name: 'Phone', response: new SoftAuthenticator(app.url).register(start.body.options).response });
    expect(done.status).toBe(201);
    expect(done.body.recoveryCodes).toHaveLength(10);
    expect(agent.cookie).not.toBe(half);
    expect((await agent.get('/api/session')).body).toMatchObject({ mfaVerified: true, mfaStep: null, mfaMethods: [] });
    expect((await lastAudit('passkey.registered', user.id)).details).toMatchObject({ firstFactor: true });
  });
});

describe('a passkey as the second factor', () => {
  it('finishes a password sign-in; the step offers it first', async () => {
    const { user, auth, dto } = await personWithPasskey();
    const { agent, body } = await passwordStep(user);
    expect(body).toEqual({ mfaStep: 'verify', mfaMethods: ['passkey', 'totp', 'recovery_code'] });
    const opts = await agent.post('/api/auth/passkey/mfa/options');
    expect(opts.status).toBe(200);
    expect(opts.body.options).toMatchObject({ rpId: '127.0.0.1', userVerification: 'required' });
    expect(opts.body.options.allowCredentials).toHaveLength(1);
    const res = await agent.post('/api/auth/passkey/mfa', { response: auth.assert(opts.body.options) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ recoveryCodesLeft: null, passkeyOwed: false });
    expect((await agent.get('/api/session')).body).toMatchObject({ mfaVerified: true });
    expect(await lastAudit('auth.mfa', user.id)).toEqual({ outcome: 'success', details: { factor: 'webauthn', passkeyId: dto.id } });
    const [row] = await passkeyRows(user.id);
    expect(row!.counter).toBe(1);
    expect(row!.last_used_at).toBeGreaterThan(app.clock() - 60_000);
  });

  it('refuses a replayed assertion: its challenge is gone, and in a new session the challenge differs', async () => {
    const { user, auth } = await personWithPasskey();
    const { agent } = await passwordStep(user);
    const opts = await agent.post('/api/auth/passkey/mfa/options');
    const assertion = auth.assert(opts.body.options);
    expect((await agent.post('/api/auth/passkey/mfa', { response: assertion })).status).toBe(200);
    const second = (await passwordStep(user)).agent;
    expect((await second.post('/api/auth/passkey/mfa', { response: assertion })).status).toBe(401); // no challenge asked
    expect((await lastAudit('auth.mfa', user.id)).details).toMatchObject({ reason: 'no_challenge' });
    await second.post('/api/auth/passkey/mfa/options');
    expect((await second.post('/api/auth/passkey/mfa', { response: assertion })).status).toBe(401); // another challenge
    expect((await lastAudit('auth.mfa', user.id)).details).toMatchObject({ factor: 'webauthn', reason: 'invalid_response' });
    expect((await second.get('/api/session')).body.mfaVerified).toBe(false);
  });

  it('refuses and audits a cloned authenticator (its counter went backwards)', async () => {
    const { user, auth, dto } = await personWithPasskey();
    const first = (await passwordStep(user)).agent;
    const o1 = await first.post('/api/auth/passkey/mfa/options');
    expect((await first.post('/api/auth/passkey/mfa', { response: auth.assert(o1.body.options) })).status).toBe(200);
    const { agent } = await passwordStep(user);
    const o2 = await agent.post('/api/auth/passkey/mfa/options');
    const res = await agent.post('/api/auth/passkey/mfa', { response: auth.assert(o2.body.options, undefined, { counter: 1 }) });
    expect(res.status).toBe(401);
    expect(await lastAudit('auth.mfa', user.id)).toEqual({
      outcome: 'denied',
      details: { factor: 'webauthn', reason: 'cloned_authenticator', passkeyId: dto.id },
    });
    expect((await passkeyRows(user.id))[0]!.counter).toBe(1);
  });

  it("refuses another person's passkey, a wrong origin or RP id, and bad input", async () => {
    const a = await personWithPasskey();
    const b = await personWithPasskey({ client_id: a.user.client_id! });
    const { agent } = await passwordStep(a.user);
    for (const response of [
      (o: any) => b.auth.assert(o),
      (o: any) => a.auth.assert(o, undefined, { origin: 'https://evil.test' }),
      (o: any) => a.auth.assert(o, undefined, { rpId: 'evil.test' }),
    ]) {
      const opts = await agent.post('/api/auth/passkey/mfa/options');
      expect((await agent.post('/api/auth/passkey/mfa', { response: response(opts.body.options) })).status).toBe(401);
    }
    expect((await lastAudit('auth.mfa', a.user.id)).details).toMatchObject({ reason: 'invalid_response' });
    expect((await agent.post('/api/auth/passkey/mfa', {})).status).toBe(400);
    expect((await agent.post('/api/auth/passkey/mfa', { response: { id: '!!' } })).status).toBe(400);
    expect((await agent.get('/api/session')).body.mfaVerified).toBe(false);
  });

  it('is refused to anonymous callers, to verified sessions, and to people without a passkey', async () => {
    expect((await new Agent(app.url).post('/api/auth/passkey/mfa/options')).status).toBe(401);
    expect((await new Agent(app.url).post('/api/auth/passkey/mfa', { response: {} })).status).toBe(401);
    const { user } = await personWithPasskey();
    expect((await (await signIn(app, user)).post('/api/auth/passkey/mfa/options')).status).toBe(409);
    const noPasskey = await buildPortalUser(app.db);
    await enrolTotp(app, noPasskey);
    expect((await (await passwordStep(noPasskey)).agent.post('/api/auth/passkey/mfa/options')).status).toBe(409);
  });

  it('a removed passkey no longer signs in; removal needs the password and one’s own passkey', async () => {
    const { user, auth, dto } = await personWithPasskey();
    const agent = await signIn(app, user);
    expect((await agent.post(`/api/profile/passkeys/${dto.id}/remove`, {})).status).toBe(400);
    expect((await agent.post(`/api/profile/passkeys/${dto.id}/remove`, { password: 'wrong' })).status).toBe(400);
    const other = await personWithPasskey();
    expect((await (await signIn(app, other.user)).post(`/api/profile/passkeys/${dto.id}/remove`, { password: PASSWORD })).status).toBe(404);
    expect((await new Agent(app.url).post(`/api/profile/passkeys/${dto.id}/remove`, { password: PASSWORD })).status).toBe(401);
    expect((await (await signIn(app, user, { mfaVerified: false })).post(`/api/profile/passkeys/${dto.id}/remove`, { password: PASSWORD })).status).toBe(401);
    expect(await passkeyRows(user.id)).toHaveLength(1);
    // A half-signed-in session asks for the passkey's options, then the passkey goes.
    const half = (await passwordStep(user)).agent;
    const opts = await half.post('/api/auth/passkey/mfa/options');
    expect((await agent.post(`/api/profile/passkeys/${dto.id}/remove`, { password: PASSWORD })).status).toBe(204);
    expect(await lastAudit('passkey.removed', user.id)).toEqual({ outcome: 'success', details: { passkeyId: dto.id } });
    expect((await half.post('/api/auth/passkey/mfa', { response: auth.assert(opts.body.options) })).status).toBe(401);
    expect((await lastAudit('auth.mfa', user.id)).details).toMatchObject({ reason: 'unknown_passkey' });
    expect((await signIn(app, user)).get('/api/profile/mfa').then((r) => r.body)).resolves.toMatchObject({ enrolled: true, passkeys: [] });
  });
});

describe('passwordless sign-in', () => {
  async function passwordless(auth: SoftAuthenticator, passkey = auth.passkeys[0]) {
    const agent = new Agent(app.url);
    const opts = await agent.post('/api/auth/passkey/sign-in/options');
    if (opts.status !== 200) return { agent, opts, res: opts };
    expect(opts.body.options.allowCredentials).toBeUndefined();
    const res = await agent.post('/api/auth/passkey/sign-in', { response: auth.assert(opts.body.options, passkey) });
    return { agent, opts, res };
  }

  it('is off unless the firm turns it on', async () => {
    await setFirm({ passwordless_sign_in: 0 });
    expect((await new Agent(app.url).get('/api/auth/passkey')).body).toEqual({ passwordless: false });
    const { auth } = await personWithPasskey();
    const { res } = await passwordless(auth);
    expect(res.status).toBe(403);
  });

  it('signs a person in with their passkey alone, verified, audited; the challenge is bound to this browser', async () => {
    await setFirm({ passwordless_sign_in: 1 });
    try {
      expect((await new Agent(app.url).get('/api/auth/passkey')).body).toEqual({ passwordless: true });
      const { user, auth, dto } = await personWithPasskey();
      const { agent, opts, res } = await passwordless(auth);
      expect(opts.headers.get('set-cookie')).toMatch(/^debrief_passkey=[a-z0-9]+; Path=\/api\/auth\/passkey\/sign-in; HttpOnly; SameSite=Strict; Max-Age=300$/);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ mfaStep: null, mfaMethods: [] });
      expect((await agent.get('/api/session')).body).toMatchObject({ mfaVerified: true, user: { id: user.id } });
      expect(await lastAudit('auth.login', user.id)).toEqual({ outcome: 'success', details: { factor: 'webauthn', passkeyId: dto.id, mfaStep: null } });
      // Another browser without the binding cookie, answering the same challenge: refused.
      const stranger = new Agent(app.url);
      const o = await stranger.post('/api/auth/passkey/sign-in/options');
      const assertion = auth.assert(o.body.options);
      const thief = new Agent(app.url);
      expect((await thief.post('/api/auth/passkey/sign-in', { response: assertion })).status).toBe(401);
      // The binding is single use: the same answer twice is refused the second time.
      expect((await stranger.post('/api/auth/passkey/sign-in', { response: assertion })).status).toBe(200);
      const replay = new Agent(app.url);
      replay.cookie = o.headers.get('set-cookie')!.split(';')[0]!;
      expect((await replay.post('/api/auth/passkey/sign-in', { response: assertion })).status).toBe(401);
    } finally {
      await setFirm({ passwordless_sign_in: 0 });
    }
  });

  it('refuses a removed person, a client whose portal is off, an unknown passkey, and bad input', async () => {
    await setFirm({ passwordless_sign_in: 1 });
    try {
      const removed = await personWithPasskey();
      await app.db.updateTable('users').set({ status: 'removed' }).where('id', '=', removed.user.id).execute();
      expect((await passwordless(removed.auth)).res.status).toBe(401);
      expect(await lastAudit('auth.login', removed.user.id)).toEqual({ outcome: 'denied', details: { factor: 'webauthn', reason: 'removed' } });
      const off = await personWithPasskey({ client_id: (await buildClient(app.db)).id });
      await app.db.updateTable('clients').set({ portal_enabled: 0 }).where('id', '=', off.user.client_id!).execute();
      expect((await passwordless(off.auth)).res.status).toBe(403);
      const unknown = new SoftAuthenticator(app.url);
      unknown.register({ challenge: 'x' });
      expect((await passwordless(unknown)).res.status).toBe(401);
      const agent = new Agent(app.url);
      await agent.post('/api/auth/passkey/sign-in/options');
      expect((await agent.post('/api/auth/passkey/sign-in', { response: 'nope' })).status).toBe(400);
    } finally {
      await setFirm({ passwordless_sign_in: 0 });
    }
  });
});

describe('the passkeys-only policy', () => {
  it("a client's people with only an app prove it, then must add a passkey before the session is verified", async () => {
    const client = await buildClient(app.db, { passkeys_only: 1 });
    const user = await buildPortalUser(app.db, { client_id: client.id });
    const secret = await enrolTotp(app, user);
    const { agent, body } = await passwordStep(user);
    expect(body).toEqual({ mfaStep: 'verify', mfaMethods: ['totp', 'recovery_code'] });
    const res = await agent.post('/api/auth/mfa', { code: totpCode(secret, app.clock()) });
    expect(res.body).toEqual({ recoveryCodesLeft: null, passkeyOwed: true });
    expect((await agent.get('/api/session')).body).toMatchObject({ mfaVerified: false, mfaStep: 'passkey', mfaMethods: ['passkey'] });
    expect((await agent.get('/api/profile')).status).toBe(401);
    expect((await agent.post('/api/auth/mfa', { code: totpCode(secret, app.clock() + 30_000) })).status).toBe(409);
    const start = await agent.post('/api/profile/passkeys/options', {});
    expect(start.status).toBe(200);
    const done = await agent.post('/api/profile/passkeys', { name: 'Key', response: new SoftAuthenticator(app.url).register(start.body.options).response });
    expect(done.status).toBe(201);
    expect(done.body.recoveryCodes).toBeNull();
    expect((await agent.get('/api/session')).body).toMatchObject({ mfaVerified: true });
    expect((await agent.get('/api/profile/mfa')).body).toMatchObject({ passkeysOnly: true });
  });

  it('someone who has a passkey may not use the app; recovery codes still work; other clients are not affected', async () => {
    const client = await buildClient(app.db, { passkeys_only: 1 });
    const { user, secret } = await personWithPasskey({ client_id: client.id });
    const codes = (await (await signIn(app, user)).post('/api/profile/recovery-codes', { password: PASSWORD })).body.recoveryCodes as string[];
    const { agent, body } = await passwordStep(user);
    expect(body).toEqual({ mfaStep: 'verify', mfaMethods: ['passkey', 'recovery_code'] });
    const res = await agent.post('/api/auth/mfa', { code: totpCode(secret, app.clock()) });
    expect(res.status).toBe(403);
    expect(await lastAudit('auth.mfa', user.id)).toEqual({ outcome: 'denied', details: { factor: 'totp', reason: 'passkey_required' } });
    const rec = await agent.post('/api/auth/mfa', { recoveryCode: codes[0] });
    expect(rec.body).toEqual({ recoveryCodesLeft: 9, passkeyOwed: false });
    // The same person's app set-up is refused while the policy holds.
    expect((await agent.post('/api/auth/mfa/enrol/start', { password: PASSWORD })).status).toBe(409);
    // A person of a client without the policy still uses the app.
    const { body: elsewhere } = await passwordStep((await personWithPasskey()).user);
    expect(elsewhere.mfaMethods).toEqual(['passkey', 'totp', 'recovery_code']);
  });

  it('the firm requires passkeys of staff; set in the security settings, audited', async () => {
    const admin = await buildStaff(app.db, { role: 'admin' });
    const adminAgent = await signIn(app, admin);
    const put = await adminAgent.put('/api/admin/security', { staffPasskeysOnly: true, passwordlessSignIn: false });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ staffPasskeysOnly: true, passwordlessSignIn: false });
    try {
      const analyst = await buildStaff(app.db, { role: 'analyst' });
      const { body } = await passwordStep(analyst);
      expect(body).toEqual({ mfaStep: null, mfaMethods: [] }); // the firm does not require MFA of staff here
      await enrolTotp(app, analyst);
      expect((await passwordStep(analyst)).body).toEqual({ mfaStep: 'verify', mfaMethods: ['totp', 'recovery_code'] });
      const analystAgent = await signIn(app, analyst);
      expect((await analystAgent.put('/api/admin/security', { staffPasskeysOnly: false })).status).toBe(403);
      expect((await adminAgent.put('/api/admin/security', { staffPasskeysOnly: 'yes' })).status).toBe(400);
    } finally {
      await adminAgent.put('/api/admin/security', { staffPasskeysOnly: false });
    }
  });

  it("a client's policy is set by staff on the client, shown in its settings", async () => {
    const admin = await buildStaff(app.db, { role: 'admin' });
    const client = await buildClient(app.db);
    const res = await (await signIn(app, admin)).patch(`/api/clients/${client.id}`, { passkeysOnly: true });
    expect(res.status).toBe(200);
    expect(res.body.client).toMatchObject({ passkeysOnly: true });
    const manager = await buildPortalUser(app.db, { client_id: client.id, role: 'manager' });
    expect((await (await signIn(app, manager)).patch(`/api/clients/${client.id}`, { passkeysOnly: false })).status).toBe(404);
    expect((await app.db.selectFrom('clients').select('passkeys_only').where('id', '=', client.id).executeTakeFirstOrThrow()).passkeys_only).toBe(1);
  });
});

describe("an admin's MFA reset", () => {
  it('removes the passkeys too and ends the sessions', async () => {
    const { user, auth } = await personWithPasskey();
    const session = await signIn(app, user);
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    expect((await admin.post(`/api/admin/users/${user.id}/mfa-reset`, {})).status).toBe(204);
    expect(await passkeyRows(user.id)).toEqual([]);
    expect((await session.get('/api/session')).status).toBe(401);
    expect((await lastAudit('mfa.reset', user.id)).details).toMatchObject({ passkeysRemoved: 1 });
    const { body } = await passwordStep(user);
    expect(body.mfaStep).toBe('enrol');
    expect(auth.passkeys).toHaveLength(1);
  });
});
