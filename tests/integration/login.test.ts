import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/auth/password.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent, type Res } from '../support/http.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { enrolTotp } from '../support/totp.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db);
});
afterAll(() => app.close());
beforeEach(async () => {
  // Each test starts with a full per-IP bucket (it refills at 1 token per 2 s) and no account back-off.
  app.clock.advance(61_000);
  await app.db.deleteFrom('auth_throttle').execute();
});

const login = (email: string, password = PASSWORD, agent = new Agent(app.url)) => agent.post('/api/auth/login', { email, password });
const audits = (email: string) =>
  app.db.selectFrom('audit_events').selectAll().where('action', '=', 'auth.login').where('actor_email', '=', email.toLowerCase()).orderBy('id').execute();
const reasonOf = (row: { details: string | null }) => JSON.parse(row.details ?? '{}').reason;
const generic = (res: Res) => {
  expect(res.status).toBe(401);
  expect(res.body.error).toEqual({ code: 'unauthenticated', message: 'Invalid email or password.' });
};

describe('POST /api/auth/login: the password step', () => {
  it('signs a staff member in fully when no second factor is owed, and records it', async () => {
    const staff = await buildStaff(app.db);
    const agent = new Agent(app.url);
    const res = await login(staff.email, PASSWORD, agent);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mfaStep: null, mfaMethods: [] });
    expect(agent.cookie).toMatch(/^debrief_session=[a-z0-9]+\.[a-z0-9]+$/);
    const session = await agent.get('/api/session');
    expect(session.body).toMatchObject({ mfaVerified: true, mfaStep: null, user: { id: staff.id } });
    const row = await app.db.selectFrom('users').select('last_login_at').where('id', '=', staff.id).executeTakeFirstOrThrow();
    expect(row.last_login_at).toBeGreaterThan(0);
    const [a] = await audits(staff.email);
    expect(a).toMatchObject({ outcome: 'success', actor_id: staff.id, actor_email: staff.email });
    expect(JSON.parse(a!.details!)).toEqual({ factor: 'password', mfaStep: null });
  });

  it('matches the email case-insensitively', async () => {
    const staff = await buildStaff(app.db);
    expect((await login(staff.email.toUpperCase())).status).toBe(200);
  });

  it('asks a portal user with an authenticator for a code, and one without to enrol; neither session is usable yet', async () => {
    const withTotp = await buildPortalUser(app.db);
    await enrolTotp(app, withTotp);
    const without = await buildPortalUser(app.db);
    for (const [user, step] of [
      [withTotp, 'verify'],
      [without, 'enrol'],
    ] as const) {
      const agent = new Agent(app.url);
      const res = await login(user.email, PASSWORD, agent);
      expect(res.body).toEqual({ mfaStep: step, mfaMethods: step === 'verify' ? ['totp', 'recovery_code'] : ['passkey', 'totp'] });
      expect((await agent.get('/api/session')).body).toMatchObject({ mfaVerified: false, mfaStep: step });
      // Nothing else answers until the second factor is done.
      expect((await agent.get('/api/profile/mfa')).body.error.code).toBe('mfa_required');
      const row = await app.db.selectFrom('users').select('last_login_at').where('id', '=', user.id).executeTakeFirstOrThrow();
      expect(row.last_login_at).toBeNull();
    }
  });

  it('issues a new token at sign-in and ends the session the browser brought along (no fixation)', async () => {
    const other = await buildStaff(app.db);
    const planted = await signIn(app, other);
    const plantedCookie = planted.cookie;
    const staff = await buildStaff(app.db);
    await login(staff.email, PASSWORD, planted);
    expect(planted.cookie).not.toBe(plantedCookie);
    const replay = new Agent(app.url);
    replay.cookie = plantedCookie;
    expect((await replay.get('/api/session')).status).toBe(401);
    expect((await planted.get('/api/session')).body.user.id).toBe(staff.id);
  });
});

describe('failures look the same whether or not the account exists', () => {
  it('answers unknown email, wrong password, invited (no password) and removed accounts identically', async () => {
    const known = await buildStaff(app.db);
    const invited = await buildPortalUser(app.db, { status: 'invited', password_hash: null });
    const removed = await buildPortalUser(app.db, { status: 'removed' });
    const answers = [
      await login('nobody@nowhere.test', PASSWORD),
      await login(known.email, 'wrong password 1234'),
      await login(invited.email, PASSWORD),
      await login(removed.email, PASSWORD),
      await login('admin', 'admin'),
    ];
    for (const res of answers) {
      generic(res);
      expect(res.text.length).toBe(answers[0]!.text.length);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(reasonOf((await audits('nobody@nowhere.test'))[0]!)).toBe('unknown_account');
    expect(reasonOf((await audits(known.email))[0]!)).toBe('wrong_password');
    expect(reasonOf((await audits(invited.email))[0]!)).toBe('no_password');
    expect(reasonOf((await audits(removed.email))[0]!)).toBe('removed');
    for (const a of await app.db.selectFrom('audit_events').select(['outcome', 'details']).where('action', '=', 'auth.login').execute()) {
      expect(a.details ?? '').not.toContain(PASSWORD);
    }
    expect(await app.db.selectFrom('sessions').selectAll().where('user_id', 'in', [known.id, invited.id, removed.id]).execute()).toEqual([]);
  });

  it('does not reveal a disabled portal or an IP allowlist to someone without the password', async () => {
    const off = await buildClient(app.db, { portal_enabled: 0 });
    const user = await buildPortalUser(app.db, { client_id: off.id });
    generic(await login(user.email, 'wrong password 1234'));
  });
});

describe('correct password, but no access from here', () => {
  it('answers 403 with the reason when the client portal is disabled', async () => {
    const off = await buildClient(app.db, { portal_enabled: 0 });
    const user = await buildPortalUser(app.db, { client_id: off.id });
    const agent = new Agent(app.url);
    const res = await login(user.email, PASSWORD, agent);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('The portal is not enabled for your organisation. Contact your security firm to turn it on.');
    expect(agent.cookie).toBeNull();
    const [a] = await audits(user.email);
    // Refused before anyone signed in: the attempt is anonymous, on that account of that client.
    expect(a).toMatchObject({ outcome: 'denied', actor_id: null, actor_kind: 'anonymous', target_type: 'user', target_id: user.id, client_id: off.id });
    expect(reasonOf(a!)).toBe('portal_disabled');
  });

  it('answers 403 when the address is not on the client allowlist', async () => {
    const fenced = await buildClient(app.db, { ip_allowlist: JSON.stringify(['10.0.0.0/8']) });
    const user = await buildPortalUser(app.db, { client_id: fenced.id });
    const res = await login(user.email);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('Your organisation only allows access to this portal from approved networks.');
    expect(reasonOf((await audits(user.email))[0]!)).toBe('ip_not_allowed');
  });
});

describe('throttling', () => {
  it('backs off per account with 429 and Retry-After, refuses even the correct password, then lets it in', async () => {
    const staff = await buildStaff(app.db);
    for (let i = 0; i < 5; i++) generic(await login(staff.email, `wrong password ${i}`));
    const blocked = await login(staff.email, PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(reasonOf((await audits(staff.email)).at(-1)!)).toBe('throttled');
    app.clock.advance(retryAfter * 1000 + 1);
    expect((await login(staff.email, PASSWORD)).status).toBe(200);
    // Success forgets the failures.
    expect(await app.db.selectFrom('auth_throttle').selectAll().where('key', '=', `login:${staff.email}`).execute()).toEqual([]);
  });

  it('throttles unknown emails exactly like known ones (no existence oracle), and leaves other accounts alone', async () => {
    for (let i = 0; i < 5; i++) generic(await login('ghost@nowhere.test', `wrong ${i} password`));
    expect((await login('GHOST@nowhere.test', PASSWORD)).status).toBe(429);
    const bystander = await buildStaff(app.db);
    expect((await login(bystander.email)).status).toBe(200);
  });

  it('limits each address with a token bucket (429 + Retry-After), across many accounts', async () => {
    // Requests take real time (argon2), so the bucket refills a little meanwhile: go until it trips.
    let passed = 0;
    let last: Res | undefined;
    for (let i = 0; i < 60; i++) {
      last = await login(`spray${i}@nowhere.test`, 'guess guess guess');
      if (last.status !== 401) break;
      passed++;
    }
    expect(passed).toBeGreaterThanOrEqual(30);
    expect(passed).toBeLessThan(45);
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    const [a] = await audits(`spray${passed}@nowhere.test`);
    expect(a).toMatchObject({ outcome: 'denied' });
    expect(reasonOf(a!)).toBe('throttled');
  });
});

describe('bad input changes nothing', () => {
  it('refuses missing fields, unknown fields and oversize values with 400', async () => {
    const staff = await buildStaff(app.db);
    // Every session as a login could change it: `check_at` is the session sweep's own bookkeeping,
    // which runs every second in the background and may set it for an earlier test's session meanwhile.
    const sessions = async () => (await app.db.selectFrom('sessions').selectAll().execute()).map(({ check_at: _sweep, ...s }) => s);
    const before = await sessions();
    for (const body of [
      {},
      { email: staff.email },
      { password: PASSWORD },
      { email: staff.email, password: PASSWORD, mfa: true },
      { email: 'x'.repeat(300), password: PASSWORD },
      { email: staff.email, password: '' },
    ]) {
      const res = await new Agent(app.url).post('/api/auth/login', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await sessions()).toEqual(before);
    expect(await app.db.selectFrom('auth_throttle').selectAll().execute()).toEqual([]);
  });

  it('refuses a cross-site login POST', async () => {
    const staff = await buildStaff(app.db);
    const res = await new Agent(app.url).post('/api/auth/login', { email: staff.email, password: PASSWORD }, { origin: 'https://evil.test' });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

describe('password storage', () => {
  it('stores argon2id with m >= 19456 KiB, t >= 2, p = 1, with a fresh salt per hash', async () => {
    const staff = await buildStaff(app.db);
    const { password_hash } = await app.db.selectFrom('users').select('password_hash').where('id', '=', staff.id).executeTakeFirstOrThrow();
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(password_hash!);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(19456);
    expect(Number(m![2])).toBeGreaterThanOrEqual(2);
    expect(Number(m![3])).toBe(1);
    const [a, b] = [await hashPassword(PASSWORD), await hashPassword(PASSWORD)];
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });
});
