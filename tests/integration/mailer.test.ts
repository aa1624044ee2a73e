import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestApp, type TestApp } from '../support/app.js';
import { startFakeSmtp, type FakeSmtp } from '../support/smtp.js';
import { buildPortalUser, buildStaff, signIn } from '../support/factories.js';

describe('mail through SMTP', () => {
  let smtp: FakeSmtp;
  let app: TestApp;
  beforeAll(async () => {
    smtp = await startFakeSmtp();
    app = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'Portal <portal@acme.test>' });
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  it('delivers an invitation after the action commits and keeps no live link afterwards', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const portalUser = await buildPortalUser(app.db, { role: 'manager' });
    const res = await admin.post(`/api/clients/${portalUser.client_id}/users`, { email: 'new.person@client.test', name: 'New Person', role: 'viewer' });
    expect(res.status).toBe(201);
    await expect.poll(() => smtp.messages.length, { timeout: 5000 }).toBe(1);
    expect(smtp.messages[0]).toContain('new.person@client.test');
    expect(smtp.messages[0]).toMatch(/\/invite\/[a-z0-9]+/);
    // The row is marked sent once the SMTP server has answered, a moment after it has the message.
    const sentRow = () => app.db.selectFrom('mail_outbox').selectAll().executeTakeFirst();
    await expect.poll(async () => (await sentRow())?.status, { timeout: 5000 }).toBe('sent');
    const row = await sentRow();
    expect(row).toMatchObject({ status: 'sent', kind: 'invitation', attempts: 1 });
    expect(row!.text_body).not.toMatch(/\/invite\//);
  });
});

describe('mail when the SMTP server is down', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${await freePort()}` });
  });
  afterAll(() => app.close());

  it('never undoes the action, and keeps the mail pending for a retry with back-off', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const res = await admin.post('/api/staff', { email: 'analyst2@acme.test', name: 'Second Analyst', role: 'analyst' });
    expect(res.status).toBe(201);
    await expect.poll(async () => (await app.db.selectFrom('mail_outbox').selectAll().executeTakeFirst())?.attempts, { timeout: 5000 }).toBe(1);
    const row = await app.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.last_error).toBeTruthy();
    expect(row.next_attempt_at).toBeGreaterThan(app.clock() + 30_000);
    expect(await app.db.selectFrom('users').select('status').where('email', '=', 'analyst2@acme.test').executeTakeFirst()).toEqual({ status: 'invited' });
  });
});
