import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { artifact, launchBrowser, signedInContext, watchErrors as watch } from '../support/browser.js';
import { buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { jpegWithGps } from '../support/images.js';
import { verifyPassword } from '../../server/auth/password.js';

let app: TestApp;
let browser: Browser;
beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A browser context carrying `agent`'s session cookie, as if the person had signed in there. */
const contextFor = (agent: Agent, viewport = { width: 1280, height: 900 }) => signedInContext(browser, app.url, agent, { viewport });

const userRow = (id: string) => app.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('the account page', () => {
  it('renames, sets a photo, saves a preference, changes the password and manages sessions', async () => {
    const user = await buildStaff(app.db, { name: 'Ada Account' });
    const agent = await signIn(app, user);
    const elsewhere = await signIn(app, user);
    const context = await contextFor(agent);
    const page = await context.newPage();
    const errors = watch(page);

    await page.goto(`${app.url}/account`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Account');
    const sessions = page.locator('section[aria-labelledby="sessions-heading"] li');
    await expect.poll(() => sessions.count()).toBe(2);
    await expect.poll(() => page.getByText('This device').count()).toBe(1);
    await page.screenshot({ path: artifact('account.png'), fullPage: true });

    // Name: saved, and the shell's "Signed in as" follows.
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect.poll(() => page.locator('#profile-heading ~ form [role="status"]').textContent()).toContain('Saved');
    await expect.poll(() => page.locator('.who strong').textContent()).toBe('Ada Lovelace');
    expect((await userRow(user.id)).name).toBe('Ada Lovelace');

    // Photo: choose → preview → save → the processed image is shown.
    await page.setInputFiles('#avatar-file', { name: 'me.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps() });
    await expect.poll(() => page.getByAltText('Preview: your new avatar').count()).toBe(1);
    // A name being typed is kept when the page reloads the profile after the photo is saved.
    await page.getByLabel('Name', { exact: true }).fill('Ada King');
    await page.getByRole('button', { name: 'Save photo' }).click();
    await expect.poll(() => page.getByText('Photo updated.').count()).toBe(1);
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Ada King');
    expect(await page.getByRole('button', { name: 'Save name' }).isEnabled()).toBe(true);
    await expect.poll(() => page.locator('.avatar img').getAttribute('src')).toMatch(`/api/users/${user.id}/avatar?v=`);
    await expect.poll(() => page.locator('.avatar img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(256);

    // A preference switch saves at once and says so.
    await page.getByRole('switch', { name: 'Chat messages' }).click();
    await expect.poll(() => page.locator('section[aria-labelledby="notify-heading"] [role="status"]').textContent()).toContain('Saved');
    expect(JSON.parse((await userRow(user.id)).notify_prefs)).toMatchObject({ emailChat: false, emailMentions: true });

    // Password: a wrong current password is shown on its field; the right one changes it.
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('an entirely new passphrase 8');
    await page.getByLabel('Confirm new password').fill('an entirely new passphrase 8');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.locator('#current-password-error').textContent()).toBe('The current password is not correct.');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByText('Password changed. Your other sessions were signed out.').count()).toBe(1);
    expect(await verifyPassword((await userRow(user.id)).password_hash!, 'an entirely new passphrase 8')).toBe(true);
    await expect.poll(() => sessions.count()).toBe(1);
    expect((await elsewhere.get('/api/profile')).status).toBe(401);
    expect((await agent.get('/api/profile')).status).toBe(401);
    // The browser holds the renewed cookie: a reload keeps it signed in.
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Account');
    await page.screenshot({ path: artifact('account-after-changes.png'), fullPage: true });

    // Two more sessions appear; end one, then all others through the confirmation dialog.
    await signIn(app, user);
    await signIn(app, user);
    await page.reload();
    await expect.poll(() => sessions.count()).toBe(3);
    await page
      .getByRole('button', { name: /^End session on/ })
      .first()
      .click();
    await expect.poll(() => sessions.count()).toBe(2);
    await page.getByRole('button', { name: 'End all other sessions' }).click();
    await expect.poll(() => page.getByRole('alertdialog').count()).toBe(1);
    await page.screenshot({ path: artifact('account-end-sessions-dialog.png') });
    await page.getByRole('button', { name: 'End other sessions' }).click();
    await expect.poll(() => page.getByRole('alertdialog').count()).toBe(0);
    await expect.poll(() => sessions.count()).toBe(1);
    await expect.poll(() => page.getByText("You're not signed in anywhere else.").count()).toBe(1);
    expect(await app.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('is readable on a 390 px phone', async () => {
    const user = await buildPortalUser(app.db, { name: 'Pat Phone' });
    const context = await contextFor(await signIn(app, user), { width: 390, height: 844 });
    const page = await context.newPage();
    const errors = watch(page);
    await page.goto(`${app.url}/account`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Account');
    await expect.poll(() => page.getByText('This device').count()).toBe(1);
    await page.screenshot({ path: artifact('account-390.png'), fullPage: true });
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('main *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth)
        .map((el) => `${el.tagName}.${el.className}`),
    );
    expect(wide).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('sends a signed-out visitor to sign in', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/account`);
    await page.waitForURL('**/login');
    await page.close();
  });
});

describe('forgot password → mail → reset → sign in', () => {
  it('walks the whole path in the browser', async () => {
    const user = await buildPortalUser(app.db, { email: 'rita.reset@client.test' });
    const before = await signIn(app, user);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const errors = watch(page);

    await page.goto(`${app.url}/forgot-password`);
    await page.screenshot({ path: artifact('forgot-password.png'), fullPage: true });
    await page.getByLabel('Email').fill('Rita.Reset@client.test');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe("If an account exists for that address, we've sent a link. It expires in 30 minutes.");
    await page.screenshot({ path: artifact('forgot-password-sent.png'), fullPage: true });

    const mail = await app.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', user.email)
      .where('kind', '=', 'password_reset')
      .executeTakeFirstOrThrow();
    const link = mail.text_body.match(/https?:\/\/\S+\/reset-password\/[a-z2-7]+/)![0];
    expect(link.startsWith(`${app.url}/reset-password/`)).toBe(true);

    await page.goto(link);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Choose a new password');
    await expect.poll(() => page.getByText('r***@client.test').count()).toBe(1);
    await page.getByLabel('New password', { exact: true }).fill('password');
    await page.getByLabel('Confirm new password').fill('password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.locator('#password-error').textContent()).toMatch(/too common|at least 8/);
    await page.screenshot({ path: artifact('reset-password-error.png'), fullPage: true });
    await page.getByLabel('New password', { exact: true }).fill('my fresh reset passphrase 3');
    await page.getByLabel('Confirm new password').fill('my fresh reset passphrase 3');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Password changed');
    await page.screenshot({ path: artifact('reset-password-done.png'), fullPage: true });
    expect((await before.get('/api/profile')).status).toBe(401);
    // Not signed in by the reset: no session exists until the person signs in (and does MFA).
    expect(await app.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    expect((await context.cookies()).length).toBe(0);

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL('**/login');
    const login = await new Agent(app.url).post('/api/auth/login', { email: user.email, password: 'my fresh reset passphrase 3' });
    expect(login.body.mfaStep).toBe('enrol');

    // The used link now shows the one generic message.
    await page.goto(link);
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('This reset link is invalid or has expired.');
    await page.screenshot({ path: artifact('reset-password-invalid.png'), fullPage: true });

    // Too many requests for one address: the page says so, with the wait.
    for (let i = 0; i < 3; i++) expect((await new Agent(app.url).post('/api/auth/password-reset', { email: 'busy@client.test' })).status).toBe(202);
    await page.goto(`${app.url}/forgot-password`);
    await page.getByLabel('Email').fill('busy@client.test');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Too many reset requests. You can try again in about 60 minutes.');
    await page.screenshot({ path: artifact('forgot-password-429.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
