import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { workspaceSnapshot } from '../support/workspace.js';

let app: TestApp;
let admin: Agent;
let analyst: Agent;
let portalA: Agent;
let portalB: Agent;
beforeAll(async () => {
  app = await startTestApp();
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
  analyst = await signIn(app, await buildStaff(app.db));
  portalA = await signIn(app, await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id, role: 'manager' }));
  portalB = await signIn(app, await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id }));
});
afterAll(async () => app?.close());

const snap = () => workspaceSnapshot(app.db);
const valid = { name: 'Northwind Security', supportEmail: 'help@northwind.test', supportPhone: '+44 20 7946 0999' };

describe('company settings', () => {
  it('anonymous → 401; portal users → 403 (read and write); nothing changes', async () => {
    const before = await snap();
    expect((await new Agent(app.url).get('/api/firm')).status).toBe(401);
    expect((await new Agent(app.url).put('/api/firm', valid)).status).toBe(401);
    for (const agent of [portalA, portalB]) {
      expect((await agent.get('/api/firm')).status).toBe(403);
      expect((await agent.put('/api/firm', valid)).status).toBe(403);
    }
    expect(await snap()).toBe(before);
  });

  it('any staff member reads them; an analyst may not change them (403)', async () => {
    const res = await analyst.get('/api/firm');
    expect(res.status).toBe(200);
    expect(res.body.firm).toMatchObject({ name: 'Acme Security', supportEmail: 'support@acme.test', supportPhone: '+44 20 7946 0000' });
    const before = await snap();
    expect((await analyst.put('/api/firm', valid)).status).toBe(403);
    expect(await snap()).toBe(before);
  });

  it('an admin saves them; the portal session payload shows them on the next request; audited', async () => {
    const res = await admin.put('/api/firm', { ...valid, supportEmail: ' Help@Northwind.TEST ' });
    expect(res.status).toBe(200);
    expect(res.body.firm).toMatchObject({ ...valid, supportEmail: 'help@northwind.test' });
    expect((await portalA.get('/api/session')).body.firm).toEqual({
      name: 'Northwind Security',
      supportEmail: 'help@northwind.test',
      supportPhone: '+44 20 7946 0999',
    });
    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'firm.updated').execute();
    expect(audit).toHaveLength(1);
    const details = JSON.parse(audit[0]!.details!);
    expect(details).toMatchObject({
      changed: ['name', 'support_email', 'support_phone'],
      after: { name: 'Northwind Security', support_email: 'help@northwind.test', support_phone: '+44 20 7946 0999' },
    });
    expect(Object.keys(details.before)).toEqual(['name', 'support_email', 'support_phone']);
    expect(details.before.name).not.toBe('Northwind Security');
  });

  it('the contact can be cleared with null or an empty string', async () => {
    const res = await admin.put('/api/firm', { name: 'Northwind Security', supportEmail: null, supportPhone: '  ' });
    expect(res.status).toBe(200);
    expect(res.body.firm).toMatchObject({ supportEmail: null, supportPhone: null });
    expect((await portalB.get('/api/session')).body.firm).toMatchObject({ supportEmail: null, supportPhone: null });
  });

  it('invalid input is refused (400 on the field) and changes nothing', async () => {
    const before = await snap();
    for (const [body, path] of [
      [{ ...valid, name: '' }, 'name'],
      [{ ...valid, name: 'x'.repeat(101) }, 'name'],
      [{ ...valid, supportEmail: 'not-an-email' }, 'supportEmail'],
      [{ ...valid, supportPhone: '1'.repeat(41) }, 'supportPhone'],
      [{ ...valid, supportPhone: 44 }, 'supportPhone'],
      [{ ...valid, mfaRequiredForStaff: true }, ''],
      [{ name: 'Only name' }, 'supportEmail'],
    ] as const) {
      const res = await admin.put('/api/firm', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details[0].path, JSON.stringify(body)).toBe(path);
    }
    expect(await snap()).toBe(before);
  });
});
