import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { inviteTokenFor } from '../support/invitations.js';

let app: TestApp;
let admin: Agent;
beforeAll(async () => {
  app = await startTestApp();
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
});
afterAll(async () => app?.close());

describe('the admin outbox', () => {
  it('anonymous → 401; analysts and portal users (Managers included) → 403', async () => {
    expect((await new Agent(app.url).get('/api/admin/outbox')).status).toBe(401);
    expect((await (await signIn(app, await buildStaff(app.db))).get('/api/admin/outbox')).status).toBe(403);
    expect((await (await signIn(app, await buildPortalUser(app.db, { role: 'manager' }))).get('/api/admin/outbox')).status).toBe(403);
    expect((await (await signIn(app, await buildStaff(app.db, { role: 'admin' }), { mfaVerified: false })).get('/api/admin/outbox')).status).toBe(401);
  });

  it('shows the invitation mails newest first, with the link an admin can pass on', async () => {
    const client = await buildClient(app.db, { name: 'Contoso' });
    expect((await admin.post(`/api/clients/${client.id}/users`, { email: 'first@contoso.test', name: 'First', role: 'viewer' })).status).toBe(201);
    expect((await admin.post('/api/staff', { email: 'second@acme.test', name: 'Second', role: 'analyst' })).status).toBe(201);
    const res = await admin.get('/api/admin/outbox');
    expect(res.status).toBe(200);
    const [newest, older] = res.body.mails;
    expect(Object.keys(newest).sort()).toEqual(['body', 'createdAt', 'html', 'id', 'kind', 'lastError', 'sentAt', 'status', 'subject', 'to']);
    expect(newest).toMatchObject({ to: 'second@acme.test', kind: 'invitation', status: 'stored', sentAt: null, lastError: null });
    expect(older).toMatchObject({ to: 'first@contoso.test', subject: 'Acme Security invited you to the Contoso portal' });
    expect(newest.id).toBeGreaterThan(older.id);
    const token = await inviteTokenFor(app, 'first@contoso.test');
    expect(older.body).toContain(`${app.config.publicUrl}/invite/${token}`);
  });

  it('keeps to the latest 200', async () => {
    const now = Date.now();
    await app.db
      .insertInto('mail_outbox')
      .values(
        Array.from({ length: 210 }, (_, i) => ({
          to_address: `bulk${i}@x.test`,
          subject: `Bulk ${i}`,
          text_body: 'x',
          kind: 'test',
          status: 'stored' as const,
          attempts: 0,
          next_attempt_at: now,
          created_at: now,
        })),
      )
      .execute();
    const res = await admin.get('/api/admin/outbox');
    expect(res.body.mails).toHaveLength(200);
    expect(res.body.mails[0].subject).toBe('Bulk 209');
  });
});
