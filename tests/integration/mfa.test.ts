import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildFirm, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { enrolTotp, secretFrom, totpCode } from '../support/totp.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db, { name: 'Northwind Security' });
});
afterAll(() => app.close());
beforeEach(async () => {
  // A fresh time step (codes from the previous test are not replays here) and a full per-IP bucket.
  app.clock.advance(61_000);
  await app.db.deleteFrom('auth_throttle').execute();
});

const code = (secret: string, offsetMs = 0) => totpCode(secret, app.clock() + offsetMs);
const userRow = (id: string) => app.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const auditRows = (action: string, actorId: string) =>
  app.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('actor_id', '=', actorId).orderBy('id').execute();

/** The password step over HTTP: an agent holding a half-verified session. */
async function passwordStep(user: Pick<UserRow, 'email'>, expectStep: 'verify' | 'enrol') {
  const agent = new Agent(app.url);
  const res = await agent.post('/api/auth/login', { email: user.email, password: PASSWORD });
  expect(res.body).toEqual({ mfaStep: expectStep, mfaMethods: expectStep === 'verify' ? ['totp', 'recovery_code'] : ['passkey', 'totp'] });
  return agent;
}

describe('password → TOTP sign-in over HTTP', () => {
  it('completes with the code from the enrolled secret, issuing a new token at each step', async () => {
    const user = await buildPortalUser(app.db);
    const secret = await enrolTotp(app, user);
    const agent = await passwordStep(user, 'verify');
    const preMfa = agent.cookie;
    const res = await agent.post('/api/auth/mfa', { code: code(secret) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ recoveryCodesLeft: null, passkeyOwed: false });
    expect(agent.cookie).not.toBe(preMfa);
    expect((await agent.get('/api/session')).body).toMatchObject({ mfaVerified: true, mfaStep: null, user: { id: user.id } });
    expect((await agent.get('/api/profile/mfa')).body).toEqual({
      enrolled: true,
      authenticatorApp: true,
      recoveryCodesLeft: 0,
      required: true,
      passkeysOnly: false,
      passkeys: [],
    });
    // The half-verified token is dead.
    const old = new Agent(app.url);
    old.cookie = preMfa;
    expect((await old.get('/api/session')).status).toBe(401);
    expect((await userRow(user.id)).last_login_at).toBeGreaterThan(0);
    const [a] = await auditRows('auth.mfa', user.id);
    expect(a).toMatchObject({ outcome: 'success' });
    expect(JSON.parse(a!.details!)).toEqual({ factor: 'totp' });
  });

  it('accepts codes one step either side, refuses two steps away', async () => {
    const user = await buildPortalUser(app.db);
    const secret = await enrolTotp(app, user);
    const agent = await passwordStep(user, 'verify');
    expect((await agent.post('/api/auth/mfa', { code: code(secret, -60_000) })).status).toBe(401);
    expect((await agent.post('/api/auth/mfa', { code: code(secret, 60_000) })).status).toBe(401);
    expect((await agent.post('/api/auth/mfa', { code: code(secret, -30_000) })).status).toBe(200);
  });

  it('refuses a wrong code with 401 and keeps the session half-verified', async () => {
    const user = await buildPortalUser(app.db);
    const secret = await enrolTotp(app, user);
    const agent = await passwordStep(user, 'verify');
    const wrong = String((Number(code(secret)) + 1) % 1_000_000).padStart(6, '0');
    const res = await agent.post('/api/auth/mfa', { code: wrong });
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'unauthenticated', message: 'That code is not valid.' });
    expect((await agent.get('/api/session')).body.mfaVerified).toBe(false);
    expect(JSON.parse((await auditRows('auth.mfa', user.id))[0]!.details!)).toMatchObject({ reason: 'wrong_code' });
  });

  it('accepts a code once: the same code in a second session is a replay', async () => {
    const user = await buildPortalUser(app.db);
    const secret = await enrolTotp(app, user);
    const first = await passwordStep(user, 'verify');
    const second = await passwordStep(user, 'verify');
    const c = code(secret);
    expect((await first.post('/api/auth/mfa', { code: c })).status).toBe(200);
    const replay = await second.post('/api/auth/mfa', { code: c });
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toBe('That code was already used. Wait for the next one.');
    const rows = await auditRows('auth.mfa', user.id);
    expect(rows.at(-1)).toMatchObject({ outcome: 'denied' });
    expect(JSON.parse(rows.at(-1)!.details!)).toMatchObject({ reason: 'mfa_replay' });
    // The next step's code works.
    app.clock.advance(30_000);
    expect((await second.post('/api/auth/mfa', { code: code(secret) })).status).toBe(200);
  });

  it('throttles attempts per user, not per session: 429 even for the right code, also after signing in again', async () => {
    const user = await buildPortalUser(app.db);
    const secret = await enrolTotp(app, user);
    const agent = await passwordStep(user, 'verify');
    for (let i = 0; i < 5; i++) expect((await agent.post('/api/auth/mfa', { code: '000000' })).status).toBe(401);
    const blocked = await agent.post('/api/auth/mfa', { code: code(secret) });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const again = await passwordStep(user, 'verify');
    const stillBlocked = await again.post('/api/auth/mfa', { code: code(secret) });
    expect(stillBlocked.status).toBe(429);
    app.clock.advance(Number(stillBlocked.headers.get('retry-after')) * 1000 + 1);
    expect((await again.post('/api/auth/mfa', { code: code(secret) })).status).toBe(200);
    expect(await app.db.selectFrom('auth_throttle').selectAll().where('key', '=', `totp:${user.id}`).execute()).toEqual([]);
  });

  it('refuses bad input with 400 and answers the wrong states clearly', async () => {
    expect((await new Agent(app.url).post('/api/auth/mfa', { code: '123456' })).status).toBe(401);
    const user = await buildPortalUser(app.db);
    await enrolTotp(app, user);
    const agent = await passwordStep(user, 'verify');
    for (const body of [{}, { code: '12345' }, { code: 'abcdef' }, { code: '123456', recoveryCode: 'abcd' }, { code: '123456', extra: 1 }]) {
      expect((await agent.post('/api/auth/mfa', body)).status).toBe(400);
    }
    expect(await app.db.selectFrom('auth_throttle').selectAll().execute()).toEqual([]);
    // A fully signed-in session has nothing to verify; a user without an authenticator must enrol instead.
    expect((await (await signIn(app, user)).post('/api/auth/mfa', { code: '123456' })).status).toBe(409);
    const fresh = await buildPortalUser(app.db);
    expect((await (await passwordStep(fresh, 'enrol')).post('/api/auth/mfa', { code: '123456' })).status).toBe(409);
  });
});

describe('recovery codes', () => {
  it('signs in with a recovery code once, never twice; codes are stored hashed', async () => {
    const user = await buildPortalUser(app.db);
    const enrol = await passwordStep(user, 'enrol');
    const start = await enrol.post('/api/auth/mfa/enrol/start');
    const secret = secretFrom(start.body.secret);
    const { recoveryCodes } = (await enrol.post('/api/auth/mfa/enrol/confirm', { code: code(secret) })).body;
    expect(recoveryCodes).toHaveLength(10);
    const stored = await app.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.id).execute();
    for (const c of recoveryCodes) expect(JSON.stringify(stored)).not.toContain(c.replace(/-/g, ''));

    const a = await passwordStep(user, 'verify');
    // Typing style doesn't matter: upper case, spaces instead of dashes.
    const res = await a.post('/api/auth/mfa', { recoveryCode: recoveryCodes[0].toUpperCase().replace(/-/g, ' ') });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ recoveryCodesLeft: 9, passkeyOwed: false });
    const b = await passwordStep(user, 'verify');
    const twice = await b.post('/api/auth/mfa', { recoveryCode: recoveryCodes[0] });
    expect(twice.status).toBe(401);
    expect(twice.body.error.message).toBe('That code is not valid.');
    expect((await b.post('/api/auth/mfa', { recoveryCode: 'aaaa-bbbb-cccc-dddd-eeee-ffff' })).status).toBe(401);
    expect((await b.post('/api/auth/mfa', { recoveryCode: recoveryCodes[1] })).status).toBe(200);
  });

  it('regenerates after re-authentication only; the old codes stop working', async () => {
    const user = await buildPortalUser(app.db);
    await enrolTotp(app, user);
    const agent = await signIn(app, user);
    expect((await new Agent(app.url).post('/api/profile/recovery-codes', { password: PASSWORD })).status).toBe(401);
    expect((await (await signIn(app, user, { mfaVerified: false })).post('/api/profile/recovery-codes', { password: PASSWORD })).status).toBe(401);
    expect((await agent.post('/api/profile/recovery-codes', {})).status).toBe(400);
    const wrong = await agent.post('/api/profile/recovery-codes', { password: 'not my password 1' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details).toEqual([{ path: 'password', message: 'The password is not correct.' }]);
    expect(await app.db.selectFrom('recovery_codes').selectAll().where('user_id', '=', user.id).execute()).toEqual([]);

    const first = (await agent.post('/api/profile/recovery-codes', { password: PASSWORD })).body.recoveryCodes as string[];
    expect(first).toHaveLength(10);
    expect(new Set(first).size).toBe(10);
    for (const c of first) expect(c).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/);
    const second = (await agent.post('/api/profile/recovery-codes', { password: PASSWORD })).body.recoveryCodes as string[];
    expect((await agent.get('/api/profile/mfa')).body.recoveryCodesLeft).toBe(10);
    const login = await passwordStep(user, 'verify');
    expect((await login.post('/api/auth/mfa', { recoveryCode: first[0] })).status).toBe(401);
    expect((await login.post('/api/auth/mfa', { recoveryCode: second[0] })).status).toBe(200);
    const rows = await auditRows('mfa.recovery_codes_regenerated', user.id);
    expect(rows.map((r) => r.outcome)).toEqual(['failure', 'success', 'success']);
  });

  it('throttles the password re-check', async () => {
    const user = await buildPortalUser(app.db);
    await enrolTotp(app, user);
    const agent = await signIn(app, user);
    for (let i = 0; i < 5; i++) expect((await agent.post('/api/profile/recovery-codes', { password: `guess ${i} guess` })).status).toBe(400);
    const blocked = await agent.post('/api/profile/recovery-codes', { password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBeTruthy();
  });

  it('refuses regeneration without an authenticator', async () => {
    const staff = await buildStaff(app.db);
    expect((await (await signIn(app, staff)).post('/api/profile/recovery-codes', { password: PASSWORD })).status).toBe(409);
  });
});

describe('enrolment', () => {
  it('runs start → wrong code → correct code, shows the secret only then, and rotates the session', async () => {
    const user = await buildPortalUser(app.db);
    const agent = await passwordStep(user, 'enrol');
    expect((await agent.get('/api/profile/mfa')).body.error.code).toBe('mfa_required');
    // Confirming before starting is a clear conflict.
    expect((await agent.post('/api/auth/mfa/enrol/confirm', { code: '123456' })).status).toBe(409);

    const start = await agent.post('/api/auth/mfa/enrol/start');
    expect(start.status).toBe(200);
    const { secret, otpauthUrl, qrSvg } = start.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/Northwind%20Security:/);
    expect(otpauthUrl).toContain('issuer=Northwind%20Security');
    expect(otpauthUrl).toContain(`secret=${secret}`);
    expect(qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    let row = await userRow(user.id);
    expect(row.totp_secret_enc).toBeNull();
    expect(row.totp_pending_enc).toMatch(/^v1:/);
    expect(row.totp_pending_enc).not.toContain(secret);

    const wrong = await agent.post('/api/auth/mfa/enrol/confirm', { code: code(secret, 120_000) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].path).toBe('code');
    expect((await userRow(user.id)).totp_secret_enc).toBeNull();

    const before = agent.cookie;
    const ok = await agent.post('/api/auth/mfa/enrol/confirm', { code: code(secret) });
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect(agent.cookie).not.toBe(before);
    row = await userRow(user.id);
    expect(row.totp_secret_enc).toMatch(/^v1:/);
    expect(row.totp_pending_enc).toBeNull();
    expect(row.totp_last_step).toBe(Math.floor(app.clock() / 30_000));
    expect(row.last_login_at).toBeGreaterThan(0);
    expect((await agent.get('/api/session')).body).toMatchObject({ mfaVerified: true, mfaStep: null });
    const old = new Agent(app.url);
    old.cookie = before;
    expect((await old.get('/api/session')).status).toBe(401);
    expect(await auditRows('mfa.enrolled', user.id)).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: 'success' })]));

    // The code used to confirm can't be used again to sign in; from now on sign-in asks for a code.
    const next = await passwordStep(user, 'verify');
    expect((await next.post('/api/auth/mfa', { code: code(secret) })).status).toBe(401);
    // The secret is never shown again: starting over from a half-verified session is refused.
    expect((await next.post('/api/auth/mfa/enrol/start')).body.error.code).toBe('mfa_required');
    expect((await next.post('/api/auth/mfa/enrol/confirm', { code: code(secret) })).body.error.code).toBe('mfa_required');
  });

  it('lets a signed-in person re-enrol with their password, ending their other sessions', async () => {
    const user = await buildPortalUser(app.db);
    const oldSecret = await enrolTotp(app, user);
    const agent = await signIn(app, user);
    const otherDevice = await signIn(app, user);
    expect((await agent.post('/api/auth/mfa/enrol/start')).status).toBe(400);
    expect((await agent.post('/api/auth/mfa/enrol/start', { password: 'not my password 1' })).status).toBe(400);
    expect((await userRow(user.id)).totp_pending_enc).toBeNull();
    const start = await agent.post('/api/auth/mfa/enrol/start', { password: PASSWORD });
    expect(start.status).toBe(200);
    expect(start.body.secret).not.toBe(oldSecret);
    // Until confirmed, the old authenticator still works.
    expect((await userRow(user.id)).totp_secret_enc).not.toBeNull();
    const ok = await agent.post('/api/auth/mfa/enrol/confirm', { code: code(start.body.secret) });
    expect(ok.status).toBe(200);
    expect((await agent.get('/api/session')).status).toBe(200);
    expect((await otherDevice.get('/api/session')).status).toBe(401);
    const login = await passwordStep(user, 'verify');
    app.clock.advance(30_000);
    expect((await login.post('/api/auth/mfa', { code: code(oldSecret) })).status).toBe(401);
    expect((await login.post('/api/auth/mfa', { code: code(start.body.secret) })).status).toBe(200);
  });

  it('refuses anonymous callers and bad input', async () => {
    expect((await new Agent(app.url).post('/api/auth/mfa/enrol/start')).status).toBe(401);
    expect((await new Agent(app.url).post('/api/auth/mfa/enrol/confirm', { code: '123456' })).status).toBe(401);
    const user = await buildPortalUser(app.db);
    const agent = await passwordStep(user, 'enrol');
    expect((await agent.post('/api/auth/mfa/enrol/start', { secret: 'JBSWY3DPEHPK3PXP' })).status).toBe(400);
    expect((await userRow(user.id)).totp_pending_enc).toBeNull();
    await agent.post('/api/auth/mfa/enrol/start');
    for (const body of [{}, { code: '12' }, { code: '123456', secret: 'x' }]) expect((await agent.post('/api/auth/mfa/enrol/confirm', body)).status).toBe(400);
    expect((await userRow(user.id)).totp_secret_enc).toBeNull();
  });
});

describe('staff and the firm MFA setting', () => {
  it('lets staff in without a second factor unless the firm requires one; then they must enrol', async () => {
    const admin = await buildStaff(app.db, { role: 'admin' });
    const analyst = await buildStaff(app.db);
    const adminAgent = await signIn(app, admin);
    expect((await adminAgent.get('/api/admin/security')).body).toMatchObject({ mfaRequiredForStaff: false });
    const free = await new Agent(app.url).post('/api/auth/login', { email: analyst.email, password: PASSWORD });
    expect(free.body).toEqual({ mfaStep: null, mfaMethods: [] });

    const put = await adminAgent.put('/api/admin/security', { mfaRequiredForStaff: true });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ mfaRequiredForStaff: true });
    expect((await app.db.selectFrom('firm').select('mfa_required_for_staff').executeTakeFirstOrThrow()).mfa_required_for_staff).toBe(1);
    expect(await auditRows('firm.security_updated', admin.id)).toHaveLength(1);
    const enrol = await passwordStep(analyst, 'enrol');
    expect((await enrol.get('/api/profile/mfa')).status).toBe(401);
    // A staff member who enrolled is always asked for the code, whatever the setting.
    const secret = await enrolTotp(app, analyst);
    await adminAgent.put('/api/admin/security', { mfaRequiredForStaff: false, confirm: true });
    const verify = await passwordStep(analyst, 'verify');
    expect((await verify.post('/api/auth/mfa', { code: code(secret) })).status).toBe(200);
    expect((await verify.get('/api/profile/mfa')).body).toEqual({
      enrolled: true,
      authenticatorApp: true,
      recoveryCodesLeft: 0,
      required: false,
      passkeysOnly: false,
      passkeys: [],
    });
  });

  it('is for admins only, and refuses bad input without changing anything', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const analyst = await signIn(app, await buildStaff(app.db));
    const portal = await signIn(app, await buildPortalUser(app.db, { role: 'manager' }));
    expect((await new Agent(app.url).get('/api/admin/security')).status).toBe(401);
    expect((await new Agent(app.url).put('/api/admin/security', { mfaRequiredForStaff: true })).status).toBe(401);
    for (const a of [analyst, portal]) {
      expect((await a.get('/api/admin/security')).status).toBe(403);
      expect((await a.put('/api/admin/security', { mfaRequiredForStaff: true })).status).toBe(403);
    }
    const before = await app.db.selectFrom('firm').selectAll().executeTakeFirstOrThrow();
    for (const body of [{}, { mfaRequiredForStaff: 'yes' }, { mfaRequiredForStaff: 1 }, { mfaRequiredForStaff: true, name: 'Evil' }]) {
      expect((await admin.put('/api/admin/security', body)).status).toBe(400);
    }
    expect(await app.db.selectFrom('firm').selectAll().executeTakeFirstOrThrow()).toEqual(before);
  });
});

describe('admin MFA reset ("the client can\'t sign in")', () => {
  it('clears the authenticator and recovery codes and ends every session of the user', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const user = await buildPortalUser(app.db);
    const secret = await enrolTotp(app, user);
    await app.db
      .insertInto('recovery_codes')
      .values({ user_id: user.id, code_hash: 'x'.repeat(64), used_at: null, created_at: app.clock() })
      .execute();
    const browserA = await signIn(app, user);
    const browserB = await passwordStep(user, 'verify');
    const res = await admin.post(`/api/admin/users/${user.id}/mfa-reset`);
    expect(res.status).toBe(204);
    const row = await userRow(user.id);
    expect([row.totp_secret_enc, row.totp_pending_enc, row.totp_last_step]).toEqual([null, null, null]);
    expect(await app.db.selectFrom('recovery_codes').selectAll().where('user_id', '=', user.id).execute()).toEqual([]);
    expect((await browserA.get('/api/session')).status).toBe(401);
    expect((await browserB.post('/api/auth/mfa', { code: code(secret) })).status).toBe(401);
    expect(await app.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute()).toEqual([]);
    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'mfa.reset').where('target_id', '=', user.id).execute();
    expect(audit).toHaveLength(1);
    // Next sign-in enrols a new authenticator.
    await passwordStep(user, 'enrol');
  });

  it('is refused to anonymous callers and portal users (analysts only for staff accounts), 404 for an unknown id, 400 for bad input', async () => {
    const user = await buildPortalUser(app.db);
    await enrolTotp(app, user);
    const before = await userRow(user.id);
    const analyst = await signIn(app, await buildStaff(app.db));
    const manager = await signIn(app, await buildPortalUser(app.db, { role: 'manager', client_id: user.client_id! }));
    const otherClient = await signIn(app, await buildPortalUser(app.db, { role: 'manager' }));
    expect((await new Agent(app.url).post(`/api/admin/users/${user.id}/mfa-reset`)).status).toBe(401);
    const colleague = await buildStaff(app.db);
    expect((await analyst.post(`/api/admin/users/${colleague.id}/mfa-reset`)).status).toBe(403);
    expect((await manager.post(`/api/admin/users/${user.id}/mfa-reset`)).status).toBe(403);
    expect((await otherClient.post(`/api/admin/users/${user.id}/mfa-reset`)).status).toBe(403);
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    expect((await admin.post('/api/admin/users/00000000-0000-0000-0000-000000000000/mfa-reset')).status).toBe(404);
    expect((await admin.post(`/api/admin/users/${user.id}/mfa-reset`, { everything: true })).status).toBe(400);
    expect((await admin.post(`/api/admin/users/${user.id}/mfa-reset`, {}, { origin: 'https://evil.test' })).status).toBe(403);
    expect(await userRow(user.id)).toEqual(before);
  });
});
