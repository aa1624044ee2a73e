import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { inviteTokenFor } from '../support/invitations.js';
import { secretFrom, totpCode } from '../support/totp.js';
import { connected, connectSocket } from '../support/socket.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('a portal user’s whole way in, over HTTP', () => {
  it('invitation → password → TOTP enrolment → recovery codes → sign out → password + TOTP → live socket', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const client = await buildClient(app.db, { name: 'Contoso Ltd' });
    const invited = await admin.post(`/api/clients/${client.id}/users`, { email: 'Maria@Contoso.test', name: 'Maria Manager', role: 'manager' });
    expect(invited.status).toBe(201);

    // The link comes from the outbox, as an admin would read it on the embedded default.
    const token = await inviteTokenFor(app, 'maria@contoso.test');
    const maria = new Agent(app.url);
    expect((await maria.get(`/api/invitations/${token}`)).body).toMatchObject({ email: 'maria@contoso.test', clientName: 'Contoso Ltd' });
    const accepted = await maria.post('/api/invitations/accept', { token, password: PASSWORD });
    expect(accepted.status).toBe(200);
    expect(accepted.body.mfaStep).toBe('enrol');

    // Nothing else is reachable before the second factor is enrolled.
    expect((await maria.get('/api/portal/users')).status).toBe(401);
    await expect(connected(connectSocket(app, maria))).rejects.toThrow('unauthenticated');

    const start = await maria.post('/api/auth/mfa/enrol/start', {});
    expect(start.status).toBe(200);
    const secret = secretFrom(start.body.secret);
    const confirm = await maria.post('/api/auth/mfa/enrol/confirm', { code: totpCode(secret, app.clock()) });
    expect(confirm.status).toBe(200);
    expect(confirm.body.recoveryCodes).toHaveLength(10);
    expect((await maria.get('/api/session')).body).toMatchObject({ mfaVerified: true, user: { role: 'manager', clientId: client.id } });
    expect((await maria.get('/api/portal/users')).status).toBe(200);

    expect((await maria.post('/api/auth/logout')).status).toBe(200);
    const again = new Agent(app.url);
    const login = await again.post('/api/auth/login', { email: 'maria@contoso.test', password: PASSWORD });
    expect(login.body.mfaStep).toBe('verify');
    app.clock.advance(30_000); // the enrolment code's time step was used; the next one is fresh
    const mfa = await again.post('/api/auth/mfa', { code: totpCode(secret, app.clock()) });
    expect(mfa.status).toBe(200);
    const socket = connectSocket(app, again);
    await connected(socket);
    socket.close();

    const actions = (await app.db.selectFrom('audit_events').select(['action', 'outcome']).orderBy('id').execute()).map((a) => `${a.action}:${a.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining(['invitation.sent:success', 'invitation.accepted:success', 'mfa.enrolled:success', 'auth.logout:success', 'auth.login:success']),
    );
  });
});
