import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupCodeFromLogs, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { PASSWORD } from '../support/factories.js';
import { totpCode } from '../support/totp.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const body = (code?: string) => ({
  ...(code === undefined ? {} : { code }),
  firmName: 'Acme Security',
  name: 'Ada Admin',
  email: 'Ada@Acme.test',
  password: PASSWORD,
});

describe('first-run setup', () => {
  it('is open while no staff account exists', async () => {
    const res = await new Agent(app.url).get('/api/setup');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ setupRequired: true });
  });

  it('prints a one-time code to the log at first start', () => {
    expect(setupCodeFromLogs(app)).toMatch(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/);
  });

  it('refuses a request without the code, and creates nothing', async () => {
    const res = await new Agent(app.url).post('/api/setup', body());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(await app.db.selectFrom('users').selectAll().execute()).toHaveLength(0);
  });

  it('refuses a wrong code, and creates nothing', async () => {
    const res = await new Agent(app.url).post('/api/setup', body('aaaaa-bbbbb-ccccc-ddddd'));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(await app.db.selectFrom('users').selectAll().execute()).toHaveLength(0);
  });

  it('refuses a common password with a clear message', async () => {
    const res = await new Agent(app.url).post('/api/setup', { ...body(setupCodeFromLogs(app)), password: 'password123' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ path: 'password' });
    expect(await app.db.selectFrom('users').selectAll().execute()).toHaveLength(0);
  });

  it('refuses unknown fields (strict schema)', async () => {
    const res = await new Agent(app.url).post('/api/setup', { ...body(setupCodeFromLogs(app)), role: 'superuser' });
    expect(res.status).toBe(400);
    expect(await app.db.selectFrom('users').selectAll().execute()).toHaveLength(0);
  });

  it('works once with the logged code: firm (staff MFA required), admin, a session that owes the enrolment', async () => {
    const agent = new Agent(app.url);
    const res = await agent.post('/api/setup', body(setupCodeFromLogs(app)));
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ kind: 'staff', role: 'admin', email: 'ada@acme.test', name: 'Ada Admin' });
    expect(res.body.mfaStep).toBe('enrol');
    expect(agent.cookie).toMatch(/^debrief_session=/);
    const session = await agent.get('/api/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ firm: { name: 'Acme Security' }, mfaVerified: false, mfaStep: 'enrol', user: { role: 'admin' } });
    // A fresh install requires staff MFA; nothing behind sign-in opens before the enrolment.
    expect((await app.db.selectFrom('firm').select('mfa_required_for_staff').executeTakeFirstOrThrow()).mfa_required_for_staff).toBe(1);
    expect((await agent.get('/api/clients')).status).toBe(401);
    const started = await agent.post('/api/auth/mfa/enrol/start', {});
    expect(started.status).toBe(200);
    const confirmed = await agent.post('/api/auth/mfa/enrol/confirm', { code: totpCode(started.body.secret) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect((await agent.get('/api/session')).body).toMatchObject({ mfaVerified: true, mfaStep: null });
    expect((await agent.get('/api/clients')).status).toBe(200);
    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'setup.completed').execute();
    expect(audit).toHaveLength(1);
  });

  it('answers 404 afterwards, and the code is void', async () => {
    const agent = new Agent(app.url);
    expect((await agent.get('/api/setup')).status).toBe(404);
    const again = await agent.post('/api/setup', { ...body(setupCodeFromLogs(app)), email: 'eve@evil.test' });
    expect(again.status).toBe(404);
    expect(await app.deps.setup.codeMatches(setupCodeFromLogs(app))).toBe(false);
    expect(await app.db.selectFrom('users').selectAll().execute()).toHaveLength(1);
  });

  it('never logs the password or the session token', () => {
    const all = app.rawLogs.join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toMatch(/debrief_session=/);
  });
});
