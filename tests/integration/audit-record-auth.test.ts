import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { enrolTotp, secretFrom, totpCode } from '../support/totp.js';
import { inviteTokenFor, mailsTo } from '../support/invitations.js';
import { AUDIT_UA, auditRowsAfter, expectOneRow, lastAuditId } from '../support/audit.js';

/**
 * The audit trail's sign-in rows (issue 15, point 10; security anchors G1 and G3), over HTTP on
 * the real server: every attempt, by factor and outcome, writes exactly one complete row; a
 * refused attempt is anonymous, on the account it names (so that account's client sees it), and an
 * unknown address has no client; no row ever holds a password, TOTP seed or code, recovery code or token.
 * Runs on SQLite and (TEST_DATABASE=postgres) PostgreSQL.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db, { name: 'Northwind Security' });
});
afterAll(() => app.close());
beforeEach(() => {
  // A fresh TOTP step and a refilled per-address sign-in bucket for each test.
  app.clock.advance(61_000);
});

const browser = () => new Agent(app.url, { origin: app.url, 'user-agent': AUDIT_UA });
const login = (email: string, password = PASSWORD, agent = browser()) => agent.post('/api/auth/login', { email, password });
async function signedIn(user: UserRow): Promise<Agent> {
  const agent = await signIn(app, user);
  agent.defaultHeaders['user-agent'] = AUDIT_UA;
  return agent;
}
const details = (row: { details: string | null }) => JSON.parse(row.details!);

describe('sign-in attempts: one complete row each', () => {
  it('password: success, wrong password, unknown e-mail, removed and invited accounts', async () => {
    const client = await buildClient(app.db);
    const user = await buildPortalUser(app.db, { client_id: client.id });
    const ok = await expectOneRow(app, () => login(user.email), {
      action: 'auth.login',
      outcome: 'success',
      actor_id: user.id,
      actor_email: user.email,
      actor_kind: 'portal',
      client_id: client.id,
      target_type: 'user',
      target_id: user.id,
    });
    expect(details(ok)).toMatchObject({ factor: 'password' });

    const wrong = await expectOneRow(app, () => login(user.email, 'not the password at all'), {
      action: 'auth.login',
      outcome: 'failure',
      actor_id: null,
      actor_email: user.email,
      actor_kind: 'anonymous',
      client_id: client.id,
      target_type: 'user',
      target_id: user.id,
    });
    expect(details(wrong)).toEqual({ factor: 'password', reason: 'wrong_password' });

    const unknown = await expectOneRow(app, () => login('nobody-here@example.test'), {
      action: 'auth.login',
      outcome: 'failure',
      actor_id: null,
      actor_email: 'nobody-here@example.test',
      actor_kind: 'anonymous',
      client_id: null,
      target_id: null,
    });
    expect(details(unknown)).toEqual({ factor: 'password', reason: 'unknown_account' });

    const removed = await buildPortalUser(app.db, { client_id: client.id, status: 'removed' });
    const r = await expectOneRow(app, () => login(removed.email), { action: 'auth.login', outcome: 'failure', target_id: removed.id, client_id: client.id });
    expect(details(r).reason).toBe('removed');
  });

  it('password: throttled, portal switched off, network not allowed, second factor owed', async () => {
    const client = await buildClient(app.db);
    const user = await buildPortalUser(app.db, { client_id: client.id });
    for (let i = 0; i < 5; i++) await login(user.email, 'wrong password number ' + i);
    const throttled = await expectOneRow(app, () => login(user.email), {
      action: 'auth.login',
      outcome: 'denied',
      actor_kind: 'anonymous',
      target_id: user.id,
      client_id: client.id,
    });
    expect(details(throttled).reason).toBe('throttled');

    const off = await buildClient(app.db, { portal_enabled: 0 });
    const offUser = await buildPortalUser(app.db, { client_id: off.id });
    const o = await expectOneRow(app, () => login(offUser.email), { action: 'auth.login', outcome: 'denied', target_id: offUser.id, client_id: off.id });
    expect(details(o).reason).toBe('portal_disabled');

    const fenced = await buildClient(app.db, { ip_allowlist: JSON.stringify(['10.0.0.0/8']) });
    const fencedUser = await buildPortalUser(app.db, { client_id: fenced.id });
    const f = await expectOneRow(app, () => login(fencedUser.email), {
      action: 'auth.login',
      outcome: 'denied',
      target_id: fencedUser.id,
      client_id: fenced.id,
    });
    expect(details(f).reason).toBe('ip_not_allowed');

    const mfaUser = await buildPortalUser(app.db, { client_id: client.id });
    await enrolTotp(app, mfaUser);
    const pending = await expectOneRow(app, () => login(mfaUser.email), {
      action: 'auth.login',
      outcome: 'success',
      actor_id: mfaUser.id,
      client_id: client.id,
    });
    expect(details(pending)).toEqual({ factor: 'password', mfaStep: 'verify' });
  });

  it('second factor: TOTP wrong and right, recovery code wrong; each on the account, with its factor', async () => {
    const client = await buildClient(app.db);
    const user = await buildPortalUser(app.db, { client_id: client.id });
    const secret = await enrolTotp(app, user);
    const agent = browser();
    await login(user.email, PASSWORD, agent);
    const expected = { action: 'auth.mfa' as const, actor_id: user.id, actor_kind: 'portal', client_id: client.id, target_type: 'user', target_id: user.id };
    const bad = await expectOneRow(app, () => agent.post('/api/auth/mfa', { code: totpCode(secret, app.clock() + 10 * 60_000) }), {
      ...expected,
      outcome: 'failure',
    });
    expect(details(bad)).toEqual({ factor: 'totp', reason: 'wrong_code' });
    const badRecovery = await expectOneRow(app, () => agent.post('/api/auth/mfa', { recoveryCode: 'aaaa-bbbb-cccc' }), { ...expected, outcome: 'failure' });
    expect(details(badRecovery).factor).toBe('recovery_code');
    const good = await expectOneRow(app, () => agent.post('/api/auth/mfa', { code: totpCode(secret, app.clock()) }), { ...expected, outcome: 'success' });
    expect(details(good).factor).toBe('totp');
  });

  it('sign-out, ending one’s other sessions, a wrong current password and a reset request for an unknown address', async () => {
    const staff = await buildStaff(app.db);
    const agent = await signedIn(staff);
    await signIn(app, staff); // another session to end
    await expectOneRow(app, () => agent.post('/api/profile/sessions/end-others'), {
      action: 'session.ended',
      actor_id: staff.id,
      actor_kind: 'staff',
      outcome: 'success',
    });
    await expectOneRow(app, () => agent.post('/api/profile/password', { currentPassword: 'not it at all', newPassword: 'a brand new passphrase 77' }), {
      action: 'password.changed',
      outcome: 'failure',
      target_id: staff.id,
    });
    await expectOneRow(app, () => agent.post('/api/auth/logout'), { action: 'auth.logout', actor_id: staff.id, actor_kind: 'staff', outcome: 'success' });
    const reset = await expectOneRow(app, () => browser().post('/api/auth/password-reset', { email: 'nobody-else@example.test' }), {
      action: 'password.reset_requested',
      outcome: 'failure',
      actor_kind: 'anonymous',
      actor_email: 'nobody-else@example.test',
      client_id: null,
    });
    expect(details(reset).reason).toBe('unknown_account');
  });
});

describe('what rows never hold (G3) and how free text is kept (G4)', () => {
  it('no password, TOTP seed or code, recovery code, reset or invitation token in any row after every sign-in flow', async () => {
    const client = await buildClient(app.db);
    const manager = await signedIn(await buildPortalUser(app.db, { client_id: client.id, role: 'manager' }));
    const canaries: string[] = [];
    const since = await lastAuditId(app);

    // Invitation: the token from the mail, accepted with a canary password.
    const email = 'canary-invitee@example.test';
    expect((await manager.post('/api/portal/users', { email, name: 'Canary Invitee', role: 'viewer' })).status).toBe(201);
    const inviteToken = await inviteTokenFor(app, email);
    const invitePassword = 'CANARY-invite-password-5f1c';
    canaries.push(inviteToken, invitePassword);
    expect((await browser().post('/api/invitations/accept', { token: inviteToken, password: invitePassword })).status).toBe(200);

    // Sign-in with a wrong canary password, then the right one; enrolment with its secret; recovery codes.
    const wrongPassword = 'CANARY-wrong-password-9e2d';
    canaries.push(wrongPassword);
    await login(email, wrongPassword);
    const agent = browser();
    await login(email, invitePassword, agent);
    const start = await agent.post('/api/auth/mfa/enrol/start', { password: invitePassword });
    const secret = start.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    {
      canaries.push(secret, secretFrom(secret));
      const confirmed = await agent.post('/api/auth/mfa/enrol/confirm', { code: totpCode(secretFrom(secret), app.clock()) });
      canaries.push(...((confirmed.body.recoveryCodes as string[] | undefined) ?? []));
      app.clock.advance(61_000);
      const again = browser();
      await login(email, invitePassword, again);
      const recovery = (confirmed.body.recoveryCodes as string[])[0]!;
      await again.post('/api/auth/mfa', { recoveryCode: recovery });
    }

    // Password reset: the token from the mail, and the canary password it sets.
    await browser().post('/api/auth/password-reset', { email });
    const resetMail = (await mailsTo(app, email)).find((m) => m.kind === 'password_reset');
    const resetToken = resetMail?.text_body.match(/\/reset-password\/([a-z2-7]+)/)?.[1];
    expect(resetToken).toBeTruthy();
    const resetPassword = 'CANARY-reset-password-7b3a';
    canaries.push(resetToken!, resetPassword);
    expect((await browser().post('/api/auth/password-reset/confirm', { token: resetToken, password: resetPassword })).status).toBe(204);

    const rows = await auditRowsAfter(app, since);
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['invitation.sent', 'invitation.accepted', 'auth.login', 'password.reset_requested', 'password.reset']),
    );
    const text = JSON.stringify(rows);
    for (const canary of canaries) expect(text, `a row holds ${canary.slice(0, 12)}…`).not.toContain(canary);
    // The session token of every signed-in browser too.
    for (const cookie of [manager.cookie, agent.cookie]) if (cookie) expect(text).not.toContain(cookie.split('=')[1]!);
  });

  it('a user agent with 8-bit controls and 15 KB gives one row, escaped and capped; CR/LF/ESC and 100 KB never get past the HTTP parser', async () => {
    // Node's parser refuses CR, LF, ESC and DEL in a header (400) and headers over 16 KB (431):
    // nothing reaches the app, so nothing is written.
    for (const [ua, status] of [
      [Buffer.from('evil\rX-Fake: 1'), 400],
      [Buffer.from('ansi \u001b[31mred\u001b[0m'), 400],
      [Buffer.from('x'.repeat(100_000)), 431],
    ] as const) {
      const before = await lastAuditId(app);
      expect(await rawLogin(ua)).toBe(status);
      expect(await auditRowsAfter(app, before)).toEqual([]);
    }
    // What does get through: bytes read as Latin-1, C1 controls among them (0x9b is an 8-bit ANSI
    // CSI, 0x85 a NEL line break), and a long value. One row, escaped and capped.
    const hostile = Buffer.concat([
      Buffer.from('evil'),
      Buffer.from([0x85, 0x9b]),
      Buffer.from('31mred'),
      Buffer.from('\u2028', 'utf8'),
      Buffer.from('y'.repeat(15_000)),
    ]);
    const before = await lastAuditId(app);
    expect(await rawLogin(hostile)).toBe(401);
    const rows = await auditRowsAfter(app, before);
    expect(rows.map((r) => r.action)).toEqual(['auth.login']);
    const ua = rows[0]!.user_agent!;
    expect(ua.length).toBeLessThanOrEqual(512);
    // eslint-disable-next-line no-control-regex
    expect(ua).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(ua.startsWith('evil\\x85\\x9b31mred\u00e2\\x80\u00a8yyy')).toBe(true);
    expect(ua.endsWith('\u2026')).toBe(true);
  });

  it('a decoded path parameter with CR/LF and ESC in a refusal row is escaped', async () => {
    const portalUser = await signedIn(await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id }));
    const before = await lastAuditId(app);
    const res = await portalUser.get(`/api/findings/${encodeURIComponent('x\r\nFAKE outcome=success\u001b[2J')}`);
    expect(res.status).toBe(404);
    const [row, ...more] = await auditRowsAfter(app, before);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      action: 'authz.denied',
      outcome: 'denied',
      actor_kind: 'portal',
      target_type: 'finding',
      target_id: 'x\\r\\nFAKE outcome=success\\x1b[2J',
    });
    expect(JSON.parse(row!.details!)).toEqual({ route: 'GET /api/findings/:id', status: 404, code: 'not_found' });
  });
});

/** POST /api/auth/login over a raw connection with these user-agent bytes (fetch would refuse them); the status. */
function rawLogin(userAgent: Buffer): Promise<number> {
  const body = JSON.stringify({ email: 'injector@example.test', password: 'whatever password' });
  const { port, hostname } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () =>
      socket.write(
        Buffer.concat([
          Buffer.from(
            `POST /api/auth/login HTTP/1.1\r\nHost: ${hostname}:${port}\r\nOrigin: ${app.url}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\nUser-Agent: `,
          ),
          userAgent,
          Buffer.from(`\r\n\r\n${body}`),
        ]),
      ),
    );
    let head = '';
    socket.on('data', (d) => (head += d.toString('latin1')));
    socket.on('end', () => resolve(Number(head.split(' ')[1])));
    socket.on('error', reject);
  });
}
