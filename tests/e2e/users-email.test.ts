import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, signedInContext, watchErrors } from '../support/browser.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { startFakeSmtp, type FakeSmtp } from '../support/smtp.js';
import { inviteTokenFor } from '../support/invitations.js';
import type { ClientRow, UserRow } from '../../db/schema.js';

/**
 * Issue 18 points 10 and 11 in Chromium: the invite toast tells where the mail went (no mail
 * server: the Outbox; with SMTP: e-mailed), a row click opens Edit and changes the address, the
 * confirmation page, and a signed-in staff member opening an invitation link.
 */
const SHOTS = '/tmp/shots-i18-users';
const shot = (name: string) => `${SHOTS}/${name}.png`;

let app: TestApp;
let smtpApp: TestApp;
let smtp: FakeSmtp;
let browser: Browser;
let client: ClientRow;
let admin: UserRow;
let olga: UserRow;
beforeAll(async () => {
  smtp = await startFakeSmtp();
  [app, smtpApp] = await Promise.all([startTestApp(), startTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}` })]);
  browser = await launchBrowser();
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  client = await buildClient(app.db, { name: 'Contoso' });
  olga = await buildPortalUser(app.db, {
    client_id: client.id,
    name: 'Olga Old',
    email: 'olga@contoso.test',
    totp_secret_enc: 'sealed',
    last_login_at: Date.now(),
  });
  await buildPortalUser(app.db, { client_id: client.id, name: 'Ivan Idle', email: 'ivan@contoso.test', last_login_at: Date.now() - 200 * 86_400_000 });
  await buildPortalUser(app.db, { client_id: client.id, name: 'Rémy Removed', email: 'remy@contoso.test', status: 'removed' });
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([app?.close(), smtpApp?.close()]);
  await smtp?.close();
});

const contextFor = async (a: TestApp, user: UserRow, width = 1366) =>
  signedInContext(browser, a.url, await signIn(a, user), { viewport: { width, height: width > 500 ? 900 : 844 } });

describe('people and invitations in the browser', () => {
  it('without a mail server the toast points at the Outbox; rows show 2FA, filters find inactive and removed people', async () => {
    const ctx = await contextFor(app, admin);
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${app.url}/staff/clients/${client.id}`);
    await page.getByRole('row', { name: /Olga Old/ }).waitFor();
    expect(await page.getByRole('row', { name: /Olga Old/ }).textContent()).toContain('Set up');
    expect(await page.getByRole('row', { name: /Ivan Idle/ }).textContent()).toContain('Not set up');
    await page.screenshot({ path: shot('users-list-1366'), fullPage: true });

    await page.getByRole('button', { name: 'Add portal user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email').fill('nina@contoso.test');
    await dialog.getByLabel('Full name').fill('Nina Newton');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    const notice = page.getByTestId('members-notice');
    await expect
      .poll(() => notice.textContent())
      .toContain('Invitation saved to the Outbox (no mail server is set up): copy the link and send it to nina@contoso.test.');
    expect(await notice.getByRole('link', { name: 'Open the Outbox' }).getAttribute('href')).toBe('/staff/outbox');

    await page.getByRole('button', { name: /^Inactive/ }).click();
    await expect.poll(() => page.getByRole('row').count()).toBe(2); // header + Ivan
    expect(await page.getByRole('row', { name: /Ivan Idle/ }).isVisible()).toBe(true);
    await page.getByRole('button', { name: /^Removed/ }).click();
    await page.getByRole('row', { name: /Rémy Removed/ }).waitFor();
    await page.screenshot({ path: shot('users-removed-filter-1366'), fullPage: true });
    await page.getByRole('button', { name: 'Invite again Rémy Removed' }).click();
    await expect.poll(() => notice.textContent()).toContain('copy the link and send it to remy@contoso.test');
    await page.getByRole('button', { name: /^Current/ }).click();
    await expect.poll(() => page.getByRole('row', { name: /Rémy Removed/ }).textContent()).toContain('Invited');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: shot('users-list-390'), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('a row click opens Edit; a new address gets a confirmation link, the old one is told; the link page confirms it', async () => {
    const ctx = await contextFor(app, admin);
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${app.url}/staff/clients/${client.id}`);
    await page
      .getByRole('row', { name: /Olga Old/ })
      .getByRole('cell')
      .first()
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Edit Olga Old' }).waitFor();
    expect(await dialog.getByLabel('Email').inputValue()).toBe('olga@contoso.test');
    await dialog.getByLabel('Email').fill('olga.new@contoso.test');
    await page.screenshot({ path: shot('edit-dialog-1366') });
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByTestId('members-notice').textContent()).toContain('Confirmation link saved to the Outbox');
    await expect.poll(() => page.getByRole('row', { name: /Olga Old/ }).textContent()).toContain('Changing to olga.new@contoso.test');

    const mail = await app.db.selectFrom('mail_outbox').select('text_body').where('kind', '=', 'email_change').executeTakeFirstOrThrow();
    const link = /https?:\/\/\S+\/confirm-email\/[a-z2-7]+/.exec(mail.text_body)![0];
    const anon = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const p2 = await anon.newPage();
    const errors2 = watchErrors(p2);
    await p2.goto(link);
    await p2.getByRole('button', { name: 'Confirm this address' }).waitFor();
    await p2.screenshot({ path: shot('confirm-email-1366'), fullPage: true });
    await p2.setViewportSize({ width: 390, height: 844 });
    await p2.screenshot({ path: shot('confirm-email-390'), fullPage: true });
    await p2.getByRole('button', { name: 'Confirm this address' }).click();
    await expect.poll(() => p2.getByRole('status').textContent()).toContain('you now sign in with olga.new@contoso.test');
    expect((await app.db.selectFrom('users').select('email').where('id', '=', olga.id).executeTakeFirstOrThrow()).email).toBe('olga.new@contoso.test');
    await p2.reload();
    await expect.poll(() => p2.getByRole('alert').textContent()).toContain('invalid or has expired');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('button', { name: 'Edit Olga Old' }).click();
    await page.getByRole('dialog').getByRole('heading', { name: 'Edit Olga Old' }).waitFor();
    await page.screenshot({ path: shot('edit-dialog-390') });
    expect([...errors, ...errors2]).toEqual([]);
    await ctx.close();
    await anon.close();
  });

  it('a staff member opening an invitation link while signed in is told whose it is and to sign out first', async () => {
    const ctx = await contextFor(app, admin);
    const page = await ctx.newPage();
    const token = await inviteTokenFor(app, 'nina@contoso.test');
    await page.goto(`${app.url}/invite/${token}`);
    const box = page.getByTestId('invite-signed-in');
    await box.waitFor();
    expect(await box.textContent()).toContain('This link is for Nina Newton (nina@contoso.test) of Contoso. You are signed in as Ada Admin');
    expect(await page.getByLabel('Choose a password').count()).toBe(0);
    await page.screenshot({ path: shot('invite-signed-in-1366'), fullPage: true });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Choose a password').waitFor();
    await ctx.close();
  });

  it('with a mail server the toast says it was e-mailed', async () => {
    const smtpAdmin = await buildStaff(smtpApp.db, { role: 'admin', name: 'Sol Smtp' });
    const c = await buildClient(smtpApp.db, { name: 'Fabrikam' });
    const ctx = await contextFor(smtpApp, smtpAdmin);
    const page = await ctx.newPage();
    await page.goto(`${smtpApp.url}/staff/clients/${c.id}`);
    await page.getByRole('button', { name: 'Add portal user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email').fill('finn@fabrikam.test');
    await dialog.getByLabel('Full name').fill('Finn Fab');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await expect.poll(() => page.getByTestId('members-notice').textContent()).toContain('Invitation e-mailed to finn@fabrikam.test.');
    expect(await page.getByTestId('members-notice').getByRole('link').count()).toBe(0);
    await expect.poll(() => smtp.messages.some((m) => m.includes('finn@fabrikam.test'))).toBe(true);
    await ctx.close();
  });
});
