import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { settleTimings } from '../support/timing.js';
import { verifyPassword } from '../../server/auth/password.js';
import type { UserRow } from '../../db/schema.js';

const GENERIC = 'This reset link is invalid or has expired.';
const NEW = 'reset to something fresh 99';
const HOUR = 60 * 60_000;

let app: TestApp;
let anon: Agent;
beforeAll(async () => {
  app = await startTestApp();
  anon = new Agent(app.url);
});
afterAll(() => app.close());

const userRow = (id: string) => app.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const mailsTo = (email: string) => app.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).orderBy('id').execute();
/** The token in the newest reset mail to `email`. */
async function tokenFor(email: string): Promise<string> {
  const mail = (await mailsTo(email)).filter((m) => m.kind === 'password_reset').at(-1);
  const m = mail?.text_body.match(new RegExp(`${app.url}/reset-password/([a-z2-7]+)`));
  if (!m) throw new Error(`no reset mail for ${email}`);
  return m[1]!;
}
const request = (email: string) => anon.post('/api/auth/password-reset', { email });
/** A fresh hour: the per-address mail quota and the per-IP bucket start over. */
const nextHour = () => app.clock.advance(HOUR + 1000);

describe('POST /api/auth/password-reset', () => {
  it('answers a known and an unknown address identically (status, body, bytes) and mails only the known one', async () => {
    const user = await buildStaff(app.db, { email: 'known@acme.test' });
    const known = await request('Known@Acme.test ');
    const unknown = await request('nobody@acme.test');
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    expect(known.body).toEqual({ message: "If an account exists for that address, we've sent a link. It expires in 30 minutes." });
    expect(await mailsTo('known@acme.test')).toHaveLength(1);
    expect(await mailsTo('nobody@acme.test')).toHaveLength(0);
    const resets = await app.db.selectFrom('password_resets').selectAll().execute();
    expect(resets.map((r) => r.user_id)).toEqual([user.id]);
    // Only the hash is stored; the raw token is in the mail alone.
    const token = await tokenFor('known@acme.test');
    expect(token).toHaveLength(32);
    expect(JSON.stringify(resets)).not.toContain(token);
    expect(app.rawLogs.join('\n')).not.toContain(token);
    const audit = await app.db.selectFrom('audit_events').selectAll().execute();
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('takes about the same time for known and unknown addresses', async () => {
    // Interleaved tries, medians compared, against the run-to-run spread measured in the same round
    // (tests/support/timing.ts): a busy moment of the shared machine spoils a round, a real
    // difference shows in every round. Each round is a fresh hour (the per-IP bucket holds 10).
    const TRIES = 4;
    const users = await Promise.all(Array.from({ length: 3 * TRIES }, () => buildStaff(app.db)));
    let round = 0;
    const ask = async (email: string) => {
      expect((await request(email)).status).toBe(202);
    };
    nextHour();
    const r = await settleTimings(
      3,
      TRIES,
      (i) => ask(users[round * TRIES + i]!.email),
      (i) => ask(`ghost-${round}-${i}@acme.test`),
      (c) => (round++, nextHour(), Math.max(c.spread, 25)),
    );
    nextHour();
    expect(r.settled, JSON.stringify(r.rounds)).toBe(true);
  });

  it('mails no one for a removed account, and still answers 202', async () => {
    nextHour();
    const removed = await buildStaff(app.db, { status: 'removed' });
    const res = await request(removed.email);
    expect(res.status).toBe(202);
    expect(await mailsTo(removed.email)).toHaveLength(0);
  });

  it('refuses invalid input with 400 (nothing queued)', async () => {
    const before = (await app.db.selectFrom('mail_outbox').selectAll().execute()).length;
    for (const body of [{ email: 'not-an-email' }, {}, { email: 'a@b.test', extra: 1 }]) {
      expect((await anon.post('/api/auth/password-reset', body)).status).toBe(400);
    }
    expect((await app.db.selectFrom('mail_outbox').selectAll().execute()).length).toBe(before);
  });

  it('limits mails per address: the 4th request in an hour is 429 with Retry-After, known or not', async () => {
    nextHour();
    const user = await buildStaff(app.db);
    for (const email of [user.email, 'never-existed@acme.test']) {
      for (let i = 0; i < 3; i++) expect((await request(email)).status).toBe(202);
      const blocked = await request(email);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(3000);
    }
    expect((await mailsTo(user.email)).filter((m) => m.kind === 'password_reset')).toHaveLength(3);
    nextHour();
    expect((await request(user.email)).status).toBe(202);
  });

  it('limits requests per IP address', async () => {
    nextHour();
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await request(`spray-${i}@acme.test`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('GET /api/auth/password-reset/:token and POST /api/auth/password-reset/confirm', () => {
  let user: UserRow;
  let token: string;
  beforeAll(async () => {
    nextHour();
    user = await buildPortalUser(app.db);
    expect((await request(user.email)).status).toBe(202);
    token = await tokenFor(user.email);
  });

  it('shows whose link it is, masked', async () => {
    const res = await anon.get(`/api/auth/password-reset/${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ email: `${user.email[0]}***@client.test` });
  });

  it('answers a tampered or malformed token with the one generic 404', async () => {
    const flipped = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
    for (const t of [flipped, 'x', token + 'a', '../../etc/passwd']) {
      const get = await anon.get(`/api/auth/password-reset/${encodeURIComponent(t)}`);
      expect(get.status).toBe(404);
      expect(get.body.error.message).toBe(GENERIC);
    }
    const res = await anon.post('/api/auth/password-reset/confirm', { token: flipped, password: NEW });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(GENERIC);
    expect((await userRow(user.id)).password_hash).toBe(user.password_hash);
  });

  it('refuses a common password with 400 and leaves the link usable', async () => {
    const res = await anon.post('/api/auth/password-reset/confirm', { token, password: 'password1' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('password');
    expect((await userRow(user.id)).password_hash).toBe(user.password_hash);
    expect((await anon.post('/api/auth/password-reset/confirm', { token, password: NEW, extra: true })).status).toBe(400);
    expect((await anon.get(`/api/auth/password-reset/${token}`)).status).toBe(200);
  });

  it('sets the password, ends every session, does not sign in, voids the other links; the link then works no more', async () => {
    // A second outstanding link, and two live sessions.
    expect((await request(user.email)).status).toBe(202);
    const second = await tokenFor(user.email);
    const browsers = [await signIn(app, user), await signIn(app, user)];
    const resetter = new Agent(app.url);

    const res = await resetter.post('/api/auth/password-reset/confirm', { token, password: NEW });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(resetter.cookie).toBeNull();
    expect((await resetter.get('/api/session')).status).toBe(401);
    expect(await verifyPassword((await userRow(user.id)).password_hash!, NEW)).toBe(true);
    for (const b of browsers) expect((await b.get('/api/profile')).status).toBe(401);
    expect(await app.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([]);

    const hashAfter = (await userRow(user.id)).password_hash;
    for (const t of [token, second]) {
      expect((await anon.get(`/api/auth/password-reset/${t}`)).status).toBe(404);
      const again = await anon.post('/api/auth/password-reset/confirm', { token: t, password: 'yet another password 1' });
      expect(again.status).toBe(404);
      expect(again.body.error.message).toBe(GENERIC);
    }
    expect((await userRow(user.id)).password_hash).toBe(hashAfter);
    expect((await mailsTo(user.email)).at(-1)!.kind).toBe('password_changed');
    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'password.reset').execute();
    expect(audit.map((a) => [a.actor_id, a.outcome])).toEqual([[user.id, 'success']]);
  });

  it('never bypasses MFA: signing in with the new password still owes the second factor', async () => {
    const b = new Agent(app.url);
    const login = await b.post('/api/auth/login', { email: user.email, password: NEW });
    expect(login.status).toBe(200);
    expect(login.body.mfaStep).not.toBeNull();
    const profile = await b.get('/api/profile');
    expect(profile.status).toBe(401);
    expect(profile.body.error.code).toBe('mfa_required');
    expect((await new Agent(app.url).post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(401);
  });

  it('expires after 30 minutes', async () => {
    nextHour();
    const late = await buildStaff(app.db);
    expect((await request(late.email)).status).toBe(202);
    const t = await tokenFor(late.email);
    app.clock.advance(29 * 60_000);
    expect((await anon.get(`/api/auth/password-reset/${t}`)).status).toBe(200);
    app.clock.advance(60_000 + 1000);
    expect((await anon.get(`/api/auth/password-reset/${t}`)).status).toBe(404);
    const res = await anon.post('/api/auth/password-reset/confirm', { token: t, password: NEW });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(GENERIC);
    expect((await userRow(late.id)).password_hash).toBe(late.password_hash);
  });

  it('a signed-in visitor gains nothing: the reset still signs no one in', async () => {
    nextHour();
    const target = await buildStaff(app.db);
    const outsider = await signIn(app, await buildPortalUser(app.db));
    expect((await request(target.email)).status).toBe(202);
    const res = await outsider.post('/api/auth/password-reset/confirm', { token: await tokenFor(target.email), password: NEW });
    expect(res.status).toBe(204);
    expect((await outsider.get('/api/profile')).body.id).not.toBe(target.id);
  });
});

describe('outstanding reset links are voided when the account changes', () => {
  /** An account with a reset link requested before the change (and still valid before it). */
  async function withLink(overrides: Parameters<typeof buildPortalUser>[1] = {}) {
    nextHour();
    const user = await buildPortalUser(app.db, overrides);
    expect((await request(user.email)).status).toBe(202);
    const link = await tokenFor(user.email);
    expect((await anon.get(`/api/auth/password-reset/${link}`)).status).toBe(200);
    return { user, link };
  }
  const expectVoided = async (link: string) => {
    expect((await anon.get(`/api/auth/password-reset/${link}`)).status).toBe(404);
    const res = await anon.post('/api/auth/password-reset/confirm', { token: link, password: NEW });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(GENERIC);
  };

  it('by a password change in the profile', async () => {
    const { user, link } = await withLink();
    const self = await signIn(app, user);
    expect((await self.post('/api/profile/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 7' })).status).toBe(204);
    await expectVoided(link);
    expect(await verifyPassword((await userRow(user.id)).password_hash!, 'a brand new passphrase 7')).toBe(true);
  });

  it('by a staff member resetting the person’s two-factor authentication', async () => {
    const { user, link } = await withLink();
    const staff = await signIn(app, await buildStaff(app.db));
    expect((await staff.post(`/api/admin/users/${user.id}/mfa-reset`, {})).status).toBe(204);
    await expectVoided(link);
  });

  it('by removal, and a re-invitation does not bring the old link back', async () => {
    const { user, link } = await withLink({ role: 'viewer' });
    const manager = await signIn(app, await buildPortalUser(app.db, { client_id: user.client_id, role: 'manager' }));
    expect((await manager.post(`/api/portal/users/${user.id}/remove`, {})).status).toBe(200);
    await expectVoided(link);
    // Whatever happens to the account later, that link stays dead.
    await app.db.updateTable('users').set({ status: 'active' }).where('id', '=', user.id).execute();
    await expectVoided(link);
  });
});
