import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { artifact, launchBrowser, signedInContext, watchErrors as watch } from '../support/browser.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { ClientRow, UserRow } from '../../db/schema.js';

let app: TestApp;
let browser: Browser;
let client: ClientRow;
let admin: UserRow;
let leaving: UserRow;
beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  client = await buildClient(app.db, { name: 'Contoso' });
  await buildClient(app.db, { name: 'Globex' });
  leaving = await buildPortalUser(app.db, { client_id: client.id, role: 'viewer', name: 'Rita Leaving', email: 'rita@contoso.test' });
  await buildPortalUser(app.db, {
    client_id: client.id,
    role: 'manager',
    name: 'Mia Manager',
    email: 'mia@contoso.test',
    last_login_at: Date.now() - 3_600_000,
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A browser context signed in as `user`. */
const contextFor = async (user: UserRow, viewport = { width: 1280, height: 860 }) => signedInContext(browser, app.url, await signIn(app, user), { viewport });

describe('portal users in the browser', () => {
  it('an admin adds a portal user, the invitation reaches the outbox, the invitee sets a password; the admin removes another user', async () => {
    const ctx = await contextFor(admin);
    const page = await ctx.newPage();
    const errors = watch(page);

    await page.goto(`${app.url}/staff/clients`);
    await page.getByRole('link', { name: /Contoso/ }).waitFor();
    await page.screenshot({ path: artifact('clients-list.png'), fullPage: true });
    await page.getByRole('link', { name: /Contoso/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Contoso' }).waitFor();
    await page.getByRole('row', { name: /Rita Leaving/ }).waitFor();
    await page.screenshot({ path: artifact('client-portal-users.png'), fullPage: true });

    // Add a portal user through the dialog.
    await page.getByRole('button', { name: 'Add portal user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email').fill('nina@contoso.test');
    await dialog.getByLabel('Full name').fill('Nina Newton');
    await dialog.getByRole('radio', { name: 'Collaborator' }).click();
    await page.screenshot({ path: artifact('client-add-user-dialog.png') });
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('status').textContent())
      .toContain('Invitation saved to the Outbox (no mail server is set up): copy the link and send it to nina@contoso.test');
    const ninaRow = page.getByRole('row', { name: /Nina Newton/ });
    await expect.poll(() => ninaRow.textContent()).toContain('Invited');
    expect(await ninaRow.textContent()).toContain('Collaborator');
    await page.screenshot({ path: artifact('client-user-invited.png'), fullPage: true });

    // The invitation appears in the outbox; the admin reads the link there.
    await page.goto(`${app.url}/staff/outbox`);
    await page.getByRole('button', { name: /Acme Security invited you to the Contoso portal/ }).click();
    // The mail opens as sent (HTML, sandboxed); its plain-text part shows the link to copy.
    await page.getByRole('button', { name: 'Plain text' }).click();
    const body = await page.locator('pre').textContent();
    const link = body!.match(/http:\/\/\S+\/invite\/\S+/)?.[0];
    expect(link).toBeTruthy();
    await page.screenshot({ path: artifact('outbox.png'), fullPage: true });

    // The invitee opens the link in their own browser and chooses a password.
    const invitee = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const ip = await invitee.newPage();
    const inviteeErrors = watch(ip);
    await ip.goto(link!);
    await ip.getByRole('heading', { name: 'Welcome, Nina Newton' }).waitFor();
    expect(await ip.locator('form').textContent()).toContain('Contoso');
    await ip.screenshot({ path: artifact('invite-accept.png'), fullPage: true });
    await ip.getByLabel('Choose a password').fill('short');
    await ip.getByLabel('Confirm password').fill('short');
    await ip.getByRole('button', { name: 'Set password and continue' }).click();
    await expect.poll(() => ip.getByRole('alert').first().textContent()).toContain('at least 8 characters');
    await ip.screenshot({ path: artifact('invite-accept-error.png'), fullPage: true });
    await ip.getByLabel('Choose a password').fill('a long and unusual passphrase 7');
    await ip.getByLabel('Confirm password').fill('a long and unusual passphrase 7');
    await ip.getByRole('button', { name: 'Set password and continue' }).click();
    await ip.waitForURL('**/mfa/setup');
    const nina = await app.db.selectFrom('users').selectAll().where('email', '=', 'nina@contoso.test').executeTakeFirstOrThrow();
    expect(nina.status).toBe('active');

    // The same link no longer works.
    const again = await invitee.newPage();
    await again.goto(link!);
    await expect.poll(() => again.getByRole('alert').textContent()).toBe('This invitation link is invalid or has expired.');
    await again.screenshot({ path: artifact('invite-invalid.png'), fullPage: true });
    expect(await again.getByRole('link', { name: 'Go to sign in' }).getAttribute('href')).toBe('/login');
    expect(inviteeErrors).toEqual([]);
    await invitee.close();

    // The admin removes Rita with the confirmation dialog; her session dies at once.
    const rita = await signIn(app, leaving);
    expect((await rita.get('/api/session')).status).toBe(200);
    await page.goto(`${app.url}/staff/clients/${client.id}`);
    await page.getByRole('button', { name: 'Remove access for Rita Leaving' }).click();
    const confirm = page.getByRole('alertdialog');
    await expect.poll(() => confirm.textContent()).toContain('lose access immediately');
    await page.screenshot({ path: artifact('client-remove-confirm.png') });
    await confirm.getByRole('button', { name: 'Remove access' }).click();
    // She leaves the current list; the Removed filter shows her, with "Invite again".
    await page.getByRole('row', { name: /Rita Leaving/ }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: /^Removed/ }).click();
    await expect.poll(() => page.getByRole('row', { name: /Rita Leaving/ }).textContent()).toContain('Removed');
    await page.getByRole('button', { name: 'Invite again Rita Leaving' }).waitFor();
    expect((await rita.get('/api/session')).status).toBe(401);
    expect((await app.db.selectFrom('users').select('status').where('id', '=', leaving.id).executeTakeFirstOrThrow()).status).toBe('removed');

    // Settings tab: the allowlist is validated and the bad entry named.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByLabel('IP allowlist').fill('10.0.0.0/8\nnot-an-ip');
    await page.getByRole('switch', { name: 'Client portal' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('signs every user of Contoso out');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('#settings-allowlist-error').textContent()).toContain('not-an-ip');
    await page.screenshot({ path: artifact('client-settings-error.png'), fullPage: true });
    expect((await app.db.selectFrom('clients').selectAll().where('id', '=', client.id).executeTakeFirstOrThrow()).portal_enabled).toBe(1);
    await page.getByLabel('IP allowlist').fill('10.0.0.0/8\n2001:db8::/32');
    // A colleague's change to this client (a new project) reloads the page live: the settings
    // being edited (the corrected list, the portal switch still off) are kept.
    const reloaded = page.waitForResponse((r) => r.url().endsWith(`/api/clients/${client.id}/projects`) && r.request().method() === 'GET');
    expect((await (await signIn(app, admin)).post(`/api/clients/${client.id}/projects`, { name: 'Live reload check' })).status).toBe(201);
    await reloaded;
    expect(await page.getByLabel('IP allowlist').inputValue()).toBe('10.0.0.0/8\n2001:db8::/32');
    expect(await page.getByRole('switch', { name: 'Client portal' }).getAttribute('aria-checked')).toBe('false');
    await page.getByRole('switch', { name: 'Client portal' }).click(); // back on
    await page.getByRole('button', { name: 'Save settings' }).click();
    // An allowlist that ends live sessions asks first, naming whose (the server's consequence).
    const asked = page.getByRole('alertdialog');
    await Promise.race([asked.waitFor(), page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor()]);
    if (await asked.isVisible()) await asked.getByRole('button', { name: 'Save and apply' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
    await page.screenshot({ path: artifact('client-settings.png'), fullPage: true });
    expect((await app.db.selectFrom('clients').select('ip_allowlist').where('id', '=', client.id).executeTakeFirstOrThrow()).ip_allowlist).toBe(
      '["10.0.0.0/8","2001:db8::/32"]',
    );

    await page.goto(`${app.url}/staff/team`);
    await page.getByRole('row', { name: /Ada Admin/ }).waitFor();
    await page.screenshot({ path: artifact('team.png'), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('a Manager manages their own users on /portal/users, readable at 390 px', async () => {
    // The first test left an allowlist without the loopback address; let Mia in from here.
    await app.db.updateTable('clients').set({ ip_allowlist: '[]' }).where('id', '=', client.id).execute();
    const mia = await app.db.selectFrom('users').selectAll().where('email', '=', 'mia@contoso.test').executeTakeFirstOrThrow();
    const ctx = await contextFor(mia, { width: 390, height: 844 });
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.goto(`${app.url}/portal/users`);
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByRole('row', { name: /Nina Newton/ }).waitFor();
    expect(await page.textContent('body')).not.toContain('Globex');
    await page.screenshot({ path: artifact('portal-users-mobile.png'), fullPage: true });
    // Nobody can be given more than Manager: the picker has no staff roles.
    await page.getByRole('button', { name: 'Add user' }).click();
    expect(await page.getByRole('dialog').getByRole('radio').allTextContents()).toHaveLength(3);
    await page.screenshot({ path: artifact('portal-users-add-mobile.png') });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('the staff pages are readable at 390 px (no sideways scrolling)', async () => {
    const ctx = await contextFor(admin, { width: 390, height: 844 });
    const page = await ctx.newPage();
    const errors = watch(page);
    const pages: [string, string, () => Promise<unknown>][] = [
      ['clients-mobile.png', '/staff/clients', () => page.getByRole('link', { name: /Contoso/ }).waitFor()],
      ['client-users-mobile.png', `/staff/clients/${client.id}`, () => page.getByRole('row', { name: /Nina Newton/ }).waitFor()],
      ['client-settings-mobile.png', `/staff/clients/${client.id}?tab=settings`, () => page.getByLabel('IP allowlist').waitFor()],
      [
        'outbox-mobile.png',
        '/staff/outbox',
        () =>
          page
            .getByRole('button', { name: /Contoso portal/ })
            .first()
            .click(),
      ],
      ['team-mobile.png', '/staff/team', () => page.getByRole('row', { name: /Ada Admin/ }).waitFor()],
    ];
    for (const [file, path, ready] of pages) {
      await page.goto(app.url + path);
      await ready();
      await page.screenshot({ path: artifact(file), fullPage: true });
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    }
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('a Manager’s invitation of another client’s address looks sent to them; staff see it held, with why', async () => {
    const globexUser = await buildPortalUser(app.db, { client_id: (await buildClient(app.db, { name: 'Initech' })).id, email: 'pat@initech.test' });
    const mia = await app.db.selectFrom('users').selectAll().where('email', '=', 'mia@contoso.test').executeTakeFirstOrThrow();
    const managerAgent = await signIn(app, mia);
    expect((await managerAgent.post('/api/portal/users', { email: globexUser.email, name: 'Pat Probe', role: 'viewer' })).status).toBe(201);

    const ctx = await contextFor(admin);
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.goto(`${app.url}/staff/clients/${client.id}`);
    const row = page.getByRole('row', { name: /Pat Probe/ });
    await expect.poll(() => row.getByRole('note').textContent()).toContain('Held, not sent: this address belongs to a portal user of another client.');
    await expect.poll(async () => await row.getByRole('button', { name: /Remove access/ }).count()).toBe(1);
    await page.screenshot({ path: artifact('held-invitation-staff.png'), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
