import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';

/**
 * Inviting is no account-existence oracle: a client Manager who invites an address that already
 * belongs to someone else (a staff member, another client's user) is answered exactly as for a
 * new address, sees the same list afterwards, and the firm's admins are told the invitation was
 * held, with why. Staff inviting may be told plainly. (The timing of both answers: security/timing.test.ts.)
 */

let app: TestApp;
let manager: Agent;
let admin: Agent;
let clientA: string;
let n = 0;
const fresh = () => `new-${++n}-${Date.now()}@newco.test`;

beforeAll(async () => {
  app = await startTestApp();
  clientA = (await buildClient(app.db, { name: 'Globex' })).id;
  manager = await signIn(app, await buildPortalUser(app.db, { client_id: clientA, role: 'manager', name: 'Mona Manager' }));
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
});
afterAll(() => app.close());

const invite = (email: string, name = 'Nina New') => manager.post('/api/portal/users', { email, name, role: 'viewer' });
/** A body with its ids and times replaced, so two answers can be compared byte for byte. */
const shape = (text: string) =>
  text
    .replace(/"id":"[^"]+"/g, '"id":"…"')
    .replace(/"(invitedAt|lastLoginAt)":\d+/g, '"$1":0')
    .replace(/"email":"[^"]+"/g, '"email":"…"');
const mailsTo = (email: string) => app.db.selectFrom('mail_outbox').select('kind').where('to_address', '=', email).execute();

describe('a client Manager inviting an address that already has an account', () => {
  it('gets the same status and body (apart from ids, times and the address) as for a new address, and nothing is mailed to it', async () => {
    const staff = await buildStaff(app.db, { email: 'ana.lyst@acme.test' });
    const other = await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id, email: 'bob@initech.test' });
    const unknown = await invite(fresh());
    await buildStaff(app.db, { email: 'cleo.case@acme.test' });
    for (const taken of [staff.email, other.email, 'Cleo.Case@ACME.test']) {
      const res = await invite(taken);
      expect(res.status, res.text).toBe(201);
      expect(shape(res.text)).toBe(shape(unknown.text));
      expect(res.body.member).toMatchObject({ email: taken.toLowerCase(), status: 'invited', role: 'viewer' });
    }
    expect(await mailsTo(staff.email)).toEqual([]);
    expect(await mailsTo(other.email)).toEqual([]);
    // The accounts that own the addresses are untouched and still sign in.
    for (const u of [staff, other]) {
      const row = await app.db.selectFrom('users').selectAll().where('id', '=', u.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'active', client_id: u.client_id, role: u.role, name: u.name });
    }
    const login = await new (await import('../support/http.js')).Agent(app.url).post('/api/auth/login', { email: other.email, password: PASSWORD });
    expect(login.status, login.text).toBe(200);
  });

  it('learns nothing later from the user list, a resend or a removal', async () => {
    const taken = (await buildStaff(app.db)).email;
    const newcomer = fresh();
    const held = (await invite(taken, 'Held Person')).body.member;
    const real = (await invite(newcomer, 'Real Person')).body.member;
    const list = (await manager.get('/api/portal/users')).body.members as any[];
    const rowOf = (id: string) => JSON.stringify(list.find((m) => m.id === id));
    expect(shape(rowOf(held.id)).replace('Held', 'X')).toBe(shape(rowOf(real.id)).replace('Real', 'X'));
    expect(Object.keys(list.find((m) => m.id === held.id)).sort()).toEqual(Object.keys(list.find((m) => m.id === real.id)).sort());

    const resentHeld = await manager.post(`/api/portal/users/${held.id}/resend`, {});
    const resentReal = await manager.post(`/api/portal/users/${real.id}/resend`, {});
    expect(resentHeld.status).toBe(resentReal.status);
    expect(shape(resentHeld.text).replace('Held', 'X')).toBe(shape(resentReal.text).replace('Real', 'X'));
    expect(await mailsTo(taken)).toEqual([]);

    const editedHeld = await manager.patch(`/api/portal/users/${held.id}`, { role: 'collaborator' });
    expect(editedHeld.status).toBe(200);
    expect(editedHeld.body.member.role).toBe('collaborator');
    const removedHeld = await manager.post(`/api/portal/users/${held.id}/remove`, {});
    const removedReal = await manager.post(`/api/portal/users/${real.id}/remove`, {});
    expect(removedHeld.status).toBe(200);
    expect(shape(removedHeld.text).replace('Held', 'X').replace('collaborator', 'viewer')).toBe(shape(removedReal.text).replace('Real', 'X'));
  });

  it('tells the firm’s admins (in-app) that the invitation was held and why; staff see it in the client’s users', async () => {
    const staffEmail = (await buildStaff(app.db)).email;
    const held = (await invite(staffEmail, 'Sneaky Probe')).body.member;
    const notes = (await admin.get('/api/notifications')).body.notifications as any[];
    const note = notes.find((x) => x.kind === 'invitation_held' && x.text.includes(staffEmail));
    expect(note, JSON.stringify(notes)).toBeTruthy();
    expect(note.text).toMatch(/Mona Manager/);
    expect(note.text).toMatch(/Globex/);
    expect(note.text).toMatch(/staff account/);
    expect(note.link).toBe(`/staff/clients/${clientA}`);
    const staffList = (await admin.get(`/api/clients/${clientA}/users`)).body.members as any[];
    expect(staffList.find((m) => m.id === held.id)).toMatchObject({ email: staffEmail, status: 'invited', held: 'staff_account' });
    // The Manager's list never carries that field.
    const own = (await manager.get('/api/portal/users')).body.members as any[];
    expect(own.every((m) => !('held' in m))).toBe(true);
    // A portal user is never told.
    expect(((await manager.get('/api/notifications')).body.notifications as any[]).some((x) => x.kind === 'invitation_held')).toBe(false);
  });

  it('an address of the Manager’s own client (which their list already shows) is still refused plainly', async () => {
    const colleague = await buildPortalUser(app.db, { client_id: clientA });
    const res = await invite(colleague.email);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe('That e-mail address is already in use. Use another, or ask the person to sign in.');
  });
});

describe('staff inviting', () => {
  it('are told plainly that an address is taken (409), and nothing is created', async () => {
    const other = await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id });
    const before = await app.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const res = await admin.post(`/api/clients/${clientA}/users`, { email: other.email, name: 'X', role: 'viewer' });
    expect(res.status).toBe(409);
    const staffRes = await admin.post('/api/staff', { email: other.email, name: 'X', role: 'analyst' });
    expect(staffRes.status).toBe(409);
    const after = await app.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});
