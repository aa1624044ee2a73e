import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { UserRow } from '../../db/schema.js';
import { artifact, signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { axeCheck, describeViolations } from '../support/axe.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { startProvider, type TestAccount, type TestProvider } from '../support/oidc-provider.js';

/**
 * Single sign-on through the pages, in real Chromium, against a real OpenID provider (oidc-provider
 * on a loopback port; its interaction route signs in the account the test picked with no page, so
 * the browser just follows redirects): the administrator's settings, staff signing in, an unmapped
 * person refused, a Manager's own provider and its people, and signing out at the provider.
 */

const t = useBrowserApp({ SSO_ALLOW_HTTP: 'true' });
let op: TestProvider;
let admin: UserRow;
const SECRET = 'a-client-secret-for-the-e2e';

/** One registration per relying party at the provider: the firm's (staff) and a client's. */
const registration = (clientId: string) => ({
  client_id: clientId,
  client_secret: SECRET,
  redirect_uris: [`${t.app.url}/api/auth/sso/callback`],
  token_endpoint_auth_method: 'client_secret_basic',
  backchannel_logout_uri: `${t.app.url}/api/auth/sso/backchannel-logout`,
  backchannel_logout_session_required: true,
  post_logout_redirect_uris: [`${t.app.url}/login`],
  grant_types: ['authorization_code'],
  response_types: ['code'],
});

beforeAll(async () => {
  await buildFirm(t.app.db, { name: 'Northwind Security' });
  admin = await buildStaff(t.app.db, { role: 'admin', name: 'Ada Admin', email: 'ada@northwind.test' });
  op = await startProvider([registration('debrief'), registration('contoso')]);
});
afterAll(async () => {
  await op?.close();
});

let n = 0;
const account = (over: Partial<TestAccount>): TestAccount => {
  n += 1;
  return { sub: `e2e-${n}`, email: `person-${n}@northwind.test`, email_verified: true, groups: ['debrief-analysts'], amr: ['pwd'], ...over };
};

async function fresh(width = 1280): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await t.browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  return { context, page, errors: watchErrors(page) };
}

/** A staff member signed in through the provider in the browser; kept for signing out (the last test). */
let staffSession: { context: BrowserContext; page: Page; errors: string[] } | null = null;

describe('single sign-on through the pages', () => {
  it("an administrator sets up the firm's provider on Settings → Single sign-on; the addresses to register are shown", async () => {
    const context = await signedInContext(t.browser, t.app.url, await signIn(t.app, admin));
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/staff/settings/company`);
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Single sign-on' }).click();
    await page.waitForURL('**/staff/settings/sso');
    await page.getByRole('heading', { name: 'Identity provider for staff' }).waitFor();

    await page.getByLabel('Name on the sign-in button').fill('Northwind Entra');
    await page.getByLabel('Issuer URL').fill(op.issuer);
    await page.getByLabel('Client ID').fill('debrief');
    await page.getByLabel('Client secret').fill(SECRET);
    // A refusal the server names a field for is said at that field.
    await page.getByLabel('Scopes').fill('email profile');
    await page.getByRole('button', { name: 'Save single sign-on' }).click();
    await page.getByText('must include openid').waitFor();
    expect(await page.getByLabel('Scopes').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Scopes').fill('openid email profile groups');
    await page.getByLabel('Role claim').fill('groups');
    await page.getByLabel('Values that make an administrator').fill('debrief-admins');
    await page.getByLabel('Values that make an analyst').fill('debrief-analysts, northwind-staff');
    await page.getByRole('switch', { name: "Trust the provider's MFA" }).click();
    await page.getByRole('button', { name: 'Save single sign-on' }).click();

    const callback = page.getByRole('textbox', { name: 'Redirect URI (callback)' });
    await callback.waitFor();
    expect(await callback.inputValue()).toBe(`${t.app.url}/api/auth/sso/callback`);
    expect(await page.getByRole('textbox', { name: 'Back-channel logout URI' }).inputValue()).toBe(`${t.app.url}/api/auth/sso/backchannel-logout`);
    expect(await page.getByTestId('sso-backchannel-support').textContent()).toContain('Supported');
    // The secret is never shown again: the field is empty and says one is stored.
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    await page.getByText('Stored. Leave empty to keep it').waitFor();
    // SSO-only with no break-glass administrator: the server's guard refuses with a sentence, shown in the card.
    const policy = page.getByRole('form', { name: 'Single sign-on only' });
    await policy.getByRole('switch', { name: 'Staff sign in only with single sign-on' }).click();
    await policy.getByRole('button', { name: 'Save policy' }).click();
    const refusal = policy.getByRole('alert');
    await refusal.waitFor();
    expect((await refusal.textContent())!.trim().length).toBeGreaterThan(10);
    expect((await t.app.db.selectFrom('firm').select('sso_only_staff').executeTakeFirstOrThrow()).sso_only_staff).toBe(0);
    await page.screenshot({ path: artifact('sso-settings.png'), fullPage: true });
    const settingsViolations = await axeCheck(page, 'admin /staff/settings/sso');
    expect(settingsViolations, describeViolations(settingsViolations)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('sso-settings-390.png'), fullPage: true });

    const row = await t.app.db.selectFrom('sso_providers').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ label: 'Northwind Entra', issuer: op.issuer });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a staff member clicks "Sign in with Northwind Entra" and, the provider having done MFA, is signed in', async () => {
    const person = await buildStaff(t.app.db, { role: 'analyst', name: 'Ana Analyst', email: 'ana@northwind.test' });
    op.signInAs(account({ email: person.email, amr: ['pwd', 'otp'] }));
    const s = await fresh();
    await s.page.goto(`${t.app.url}/login`);
    await s.page.getByRole('button', { name: 'Sign in with Northwind Entra' }).click();
    await s.page.waitForURL((u) => u.origin === t.app.url && !u.pathname.startsWith('/login') && !u.pathname.startsWith('/api'));
    await s.page.getByText('Ana Analyst').first().waitFor();
    const session = await s.context.request.get(`${t.app.url}/api/session`);
    expect(await session.json()).toMatchObject({ mfaVerified: true, user: { id: person.id } });
    expect(s.errors).toEqual([]);
    staffSession = s;
  });

  it('someone the provider knows but whose groups give no access lands on the sign-in page with the message', async () => {
    await buildStaff(t.app.db, { role: 'analyst', email: 'gus@northwind.test' });
    op.signInAs(account({ email: 'gus@northwind.test', groups: ['everyone'] }));
    const { context, page, errors } = await fresh();
    await page.goto(`${t.app.url}/login`);
    await page.getByRole('button', { name: 'Sign in with Northwind Entra' }).click();
    await page.waitForURL('**/login?sso=no_access');
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toContain('Your account at the identity provider does not give you access to this portal. Ask your administrator.');
    // The password form is still there.
    await page.getByLabel('Password').waitFor();
    await page.screenshot({ path: artifact('sso-login-no-access.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("a Manager sets up their organisation's provider on the Users page; its people sign in with their organisation's account", async () => {
    const client = await buildClient(t.app.db, { name: 'Contoso Ltd' });
    const manager = await buildPortalUser(t.app.db, { client_id: client.id, role: 'manager', name: 'Mia Manager', email: 'mia@contoso.test' });
    const carla = await buildPortalUser(t.app.db, { client_id: client.id, role: 'viewer', name: 'Carla Contoso', email: 'carla@contoso.test' });
    const context = await signedInContext(t.browser, t.app.url, await signIn(t.app, manager));
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/portal/users`);
    const card = page.getByTestId('client-sso');
    await card.getByRole('heading', { name: 'Single sign-on' }).waitFor();
    await card.getByLabel('Name on the sign-in button').fill('Contoso Okta');
    await card.getByLabel('Issuer URL').fill(op.issuer);
    await card.getByLabel('Client ID').fill('contoso');
    await card.getByLabel('Client secret').fill(SECRET);
    // No domain: said at the field, nothing sent.
    await card.getByRole('button', { name: 'Save single sign-on' }).click();
    await card.getByText('Enter at least one domain').waitFor();
    await card.getByLabel('E-mail domains').fill('contoso.test');
    await card.getByRole('switch', { name: "Trust the provider's MFA" }).click();
    await card.getByRole('button', { name: 'Save single sign-on' }).click();
    await card.getByRole('textbox', { name: 'Redirect URI (callback)' }).waitFor();
    await card.getByRole('button', { name: 'Remove single sign-on' }).waitFor();
    await card.screenshot({ path: artifact('sso-client-card.png') });
    const cardViolations = await axeCheck(page, 'manager /portal/users');
    expect(cardViolations, describeViolations(cardViolations)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();

    // The firm's administrators see the same card on the client's Settings tab; analysts do not.
    const adminContext = await signedInContext(t.browser, t.app.url, await signIn(t.app, admin));
    const adminPage = await adminContext.newPage();
    await adminPage.goto(`${t.app.url}/staff/clients/${client.id}?tab=settings`);
    const staffCard = adminPage.getByTestId('client-sso');
    await staffCard.getByRole('heading', { name: 'Single sign-on' }).waitFor();
    expect(await staffCard.getByLabel('Name on the sign-in button').inputValue()).toBe('Contoso Okta');
    expect(await staffCard.getByLabel('E-mail domains').inputValue()).toBe('contoso.test');
    await adminPage.screenshot({ path: artifact('sso-client-settings-tab.png'), fullPage: true });
    await adminContext.close();
    const analyst = await buildStaff(t.app.db, { role: 'analyst' });
    const analystContext = await signedInContext(t.browser, t.app.url, await signIn(t.app, analyst));
    const analystPage = await analystContext.newPage();
    await analystPage.goto(`${t.app.url}/staff/clients/${client.id}?tab=settings`);
    await analystPage.getByRole('button', { name: 'Save settings' }).waitFor();
    expect(await analystPage.getByTestId('client-sso').count()).toBe(0);
    await analystContext.close();

    // Carla: "Sign in with your organisation's account", her e-mail, Continue.
    const s = await fresh();
    await s.page.goto(`${t.app.url}/login`);
    await s.page.getByRole('button', { name: 'Sign in with Northwind Entra' }).waitFor();
    await s.page.screenshot({ path: artifact('sso-login.png'), fullPage: true });
    // By keyboard: the button opens the e-mail field (focused), Enter continues.
    await s.page.getByRole('button', { name: "Sign in with your organisation's account" }).focus();
    await s.page.keyboard.press('Enter');
    await expect.poll(() => s.page.evaluate(() => document.activeElement?.id)).toBe('org-email');
    await s.page.keyboard.type('nobody@elsewhere.test');
    await s.page.keyboard.press('Enter');
    await s.page.getByText('No single sign-on is set up for that address.').waitFor();
    await s.page.screenshot({ path: artifact('sso-login-organisation.png'), fullPage: true });
    const loginViolations = await axeCheck(s.page, 'signed-out /login with single sign-on');
    expect(loginViolations, describeViolations(loginViolations)).toEqual([]);
    op.signInAs(account({ email: carla.email, groups: [], amr: ['pwd', 'otp'] }));
    await s.page.getByLabel('Work e-mail').fill(carla.email);
    await s.page.getByRole('button', { name: 'Continue' }).click();
    await s.page.waitForURL((u) => u.origin === t.app.url && u.pathname.startsWith('/portal'));
    const session = await s.context.request.get(`${t.app.url}/api/session`);
    expect(await session.json()).toMatchObject({ mfaVerified: true, user: { id: carla.id } });
    expect(s.errors).toEqual([]);
    await s.context.close();

    // An administrator removes it, after a confirmation; the sign-in page no longer offers it.
    const removing = await signedInContext(t.browser, t.app.url, await signIn(t.app, admin));
    const removePage = await removing.newPage();
    await removePage.goto(`${t.app.url}/staff/clients/${client.id}?tab=settings`);
    const removeCard = removePage.getByTestId('client-sso');
    await removeCard.getByRole('button', { name: 'Remove single sign-on' }).click();
    const asked = removePage.getByRole('alertdialog', { name: 'Remove single sign-on?' });
    await asked.getByRole('button', { name: 'Remove' }).click();
    await removeCard.getByText('Single sign-on removed.').waitFor();
    await removeCard.getByText('Not set up').waitFor();
    await removing.close();
    const after = await fresh();
    await after.page.goto(`${t.app.url}/login`);
    await after.page.getByRole('button', { name: 'Sign in with Northwind Entra' }).waitFor();
    expect(await after.page.getByRole('button', { name: "Sign in with your organisation's account" }).count()).toBe(0);
    await after.context.close();
  });

  it("signing out from the menu signs out at the provider too and comes back to the sign-in page; Debrief's session is gone", async () => {
    const s = staffSession!;
    await s.page.setViewportSize({ width: 1280, height: 900 });
    await s.page.goto(`${t.app.url}/staff`);
    await s.page.getByRole('button', { name: 'Sign out' }).click();
    // oidc-provider's end-session page asks to confirm.
    await s.page.waitForURL((u) => u.href.startsWith(`${op.issuer}/session/end`));
    const gone = await s.context.request.get(`${t.app.url}/api/session`);
    expect(gone.status()).toBe(401);
    await s.page.getByRole('button', { name: /yes/i }).click();
    await s.page.waitForURL((u) => u.origin === t.app.url && u.pathname === '/login');
    await s.page.getByRole('button', { name: 'Sign in with Northwind Entra' }).waitFor();
    expect(s.errors).toEqual([]);
    await s.context.close();
  });
});
