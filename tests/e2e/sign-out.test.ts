import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { UserRow } from '../../db/schema.js';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import type { SignOutReason } from '../../server/contracts/sign-out.js';
import { debriefAtProvider, signInThrough, startProvider, type TestProvider } from '../support/oidc-provider.js';
import { enrolTotp } from '../support/totp.js';

/**
 * Issue 18, points 5 and 6, in Chromium: each forced sign-out lands on the sign-in page with its
 * fixed message (the firm and its support contact named, nothing taken from the address), and the
 * idle warning counts down in every tab, keeps the session when asked (the server agrees), and
 * signs every tab out together. The idle tests move the browser's clock (Playwright's fake clock)
 * and the server's by the same amount, as if the time had passed.
 */

const t = useBrowserApp({ SSO_ALLOW_HTTP: 'true' });
let op: TestProvider;
beforeAll(async () => {
  op = await startProvider([debriefAtProvider(t.app.url)]);
});
afterAll(() => op?.close());
const SHOTS = '/tmp/shots-i18-signout';
mkdirSync(SHOTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

/** The first words of each reason's message (client/lib/session/reasons.ts). */
const TITLES: Record<SignOutReason, string> = {
  removed: 'Your access to this portal has been removed.',
  portal_disabled: 'This portal is switched off for your organisation.',
  network_not_allowed: 'You were signed out because this network is not allowed.',
  idle_timeout: 'You were signed out because you were inactive for a while.',
  signed_out_elsewhere: 'Your session was ended from elsewhere.',
  password_changed: 'Your password was changed, so you were signed out.',
  mfa_reset: 'Your two-step verification was reset.',
  expired: 'Your session has expired.',
  signed_out_at_provider: 'You were signed out by your sign-in provider.',
  sso_required: 'Staff now sign in through single sign-on.',
};

let firmReady = false;
async function firm() {
  if (firmReady) return;
  await buildFirm(t.app.db, { name: 'Northwind Security', support_email: 'help@northwind.test', support_phone: '+44 20 7946 0000' });
  // Set up, as every firm is: without a staff account the sign-in page leads to first-run setup.
  await buildStaff(t.app.db, { role: 'admin' });
  firmReady = true;
}

async function admin(): Promise<Agent> {
  return signIn(t.app, await buildStaff(t.app.db, { role: 'admin' }));
}

const SECRET = 'a-client-secret-for-the-tests';

/** The client gets its own provider for the user's domain, and the user signs in through it. */
async function throughTheirProvider(user: UserRow): Promise<Agent> {
  const set = await (
    await admin()
  ).put(`/api/clients/${user.client_id}/sso`, {
    label: 'Contoso SSO',
    issuer: op.issuer,
    clientId: 'debrief',
    clientSecret: SECRET,
    domains: [user.email.slice(user.email.indexOf('@') + 1)],
    trustProviderMfa: true,
  });
  expect(set.status).toBe(200);
  return (await signInThrough(t.app.url, op, set.body.provider.id, { sub: user.id, email: user.email, email_verified: true, amr: ['pwd', 'otp'] })).agent;
}

/**
 * A portal user of a fresh client, signed in, with a page open on the portal (through the client's
 * own provider when `sso`); `staff`: a staff member on the staff home instead.
 */
async function openPortal(clientOverrides: Parameters<typeof buildClient>[1] = {}, width = 1366, as: 'portal' | 'sso' | 'staff' = 'portal') {
  await firm();
  const client = await buildClient(t.app.db, { name: 'Contoso Ltd', ...clientOverrides });
  const user =
    as === 'staff'
      ? await buildStaff(t.app.db, { role: 'analyst', name: 'Sam Staff' })
      : await buildPortalUser(t.app.db, {
          client_id: client.id,
          name: 'Carla Contoso',
          email: `carla-${client.id.slice(0, 8)}@c${client.id.slice(0, 8)}.test`,
        });
  const agent = as === 'sso' ? await throughTheirProvider(user) : await signIn(t.app, user);
  const ctx = await signedInContext(t.browser, t.app.url, agent, { viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(`${t.app.url}/${as === 'staff' ? 'staff' : 'portal'}`);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  return { client, user, agent, ctx, page, errors };
}

/** Each reason, caused as the product causes it. */
const causes: Record<SignOutReason, (user: UserRow) => Promise<void>> = {
  removed: async (u) => expect((await (await admin()).post(`/api/clients/${u.client_id}/users/${u.id}/remove`)).status).toBe(200),
  portal_disabled: async (u) => expect((await (await admin()).patch(`/api/clients/${u.client_id}`, { portalEnabled: false, confirm: true })).status).toBe(200),
  network_not_allowed: async (u) =>
    expect((await (await admin()).patch(`/api/clients/${u.client_id}`, { ipAllowlist: ['10.99.0.0/16'], confirm: true })).status).toBe(200),
  idle_timeout: async () => t.app.clock.advance(t.app.config.sessionIdleMs + 1000),
  expired: async () => t.app.clock.advance(t.app.config.sessionAbsoluteMs + 1000),
  signed_out_elsewhere: async (u) => expect((await (await signIn(t.app, u)).post('/api/profile/sessions/end-others')).status).toBe(200),
  password_changed: async (u) =>
    expect(
      (await (await signIn(t.app, u)).post('/api/profile/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase 93' })).status,
    ).toBe(204),
  mfa_reset: async (u) => expect((await (await admin()).post(`/api/admin/users/${u.id}/mfa-reset`, {})).status).toBe(204),
  signed_out_at_provider: async (u) => {
    const row = await t.app.db
      .selectFrom('sso_sessions')
      .innerJoin('sessions', 'sessions.id', 'sso_sessions.session_id')
      .select(['sub', 'sid'])
      .where('sessions.user_id', '=', u.id)
      .executeTakeFirstOrThrow();
    await (await op.provider.Client.find('debrief')).backchannelLogout(row.sub, row.sid);
  },
  sso_required: async () => {
    const glass = await buildStaff(t.app.db, { role: 'admin' });
    await enrolTotp(t.app, glass);
    const agent = await signIn(t.app, glass);
    expect((await agent.put('/api/admin/sso', { label: 'Northwind SSO', issuer: op.issuer, clientId: 'debrief', clientSecret: SECRET })).status).toBe(200);
    expect((await agent.put('/api/admin/sso/policy', { ssoOnlyStaff: true, breakGlassUserId: glass.id })).status).toBe(200);
    expect((await agent.put('/api/admin/sso/policy', { ssoOnlyStaff: false, breakGlassUserId: null })).status).toBe(200);
  },
};

/** Time only moves forward: the reasons the clock causes go last (a provider's tokens carry real times). */
const ORDER = (Object.keys(TITLES) as SignOutReason[]).sort(
  (a, b) => Number(a === 'idle_timeout' || a === 'expired') - Number(b === 'idle_timeout' || b === 'expired'),
);

describe('a forced sign-out lands on its message', () => {
  it.each(ORDER.map((r) => [r]))('%s', async (reason) => {
    const { user, ctx, page, errors } = await openPortal(
      {},
      1366,
      reason === 'signed_out_at_provider' ? 'sso' : reason === 'sso_required' ? 'staff' : 'portal',
    );
    await causes[reason](user);
    // The sweep runs every second; the allowance is for a loaded CI machine (this is not a timing test).
    await page.waitForURL(`**/login?reason=${reason}`, { timeout: 15_000 });
    const note = page.locator(`[data-reason="${reason}"]`);
    await expect.poll(() => note.textContent()).toContain(TITLES[reason]);
    const text = (await note.textContent())!;
    expect(text).toContain('Northwind Security support: help@northwind.test or +44 20 7946 0000.');
    // The e-mail field is still there to sign in again.
    expect(await page.getByLabel('Email').isVisible()).toBe(true);
    if (reason === 'removed' || reason === 'idle_timeout' || reason === 'sso_required') await shot(page, `login-reason-${reason}-1366`);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('a page whose connection was down when its session ended still lands on the message when it reconnects', async () => {
    const { user, ctx, page, errors } = await openPortal();
    await page.locator('.live[data-state="live"]').first().waitFor({ state: 'attached' });
    await ctx.setOffline(true);
    await page.locator('.live[data-state="offline"]').first().waitFor({ state: 'attached' });
    // Ended while the page could not hear it: the server refuses the page's next handshake.
    await causes.removed(user);
    await ctx.setOffline(false);
    await page.waitForURL('**/login?reason=removed', { timeout: 15_000 });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('at phone width the message fits the card', async () => {
    const { user, ctx, page } = await openPortal({}, 390);
    await causes.portal_disabled(user);
    await page.waitForURL('**/login?reason=portal_disabled');
    await page.locator('[data-reason="portal_disabled"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'login-reason-portal_disabled-390');
    await ctx.close();
  });

  it('a sign-in refused because the portal is off says the same words', async () => {
    await firm();
    const client = await buildClient(t.app.db, { portal_enabled: 0 });
    const user = await buildPortalUser(t.app.db, { client_id: client.id });
    const page = await t.browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(`${t.app.url}/login`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const note = page.locator('[data-reason="portal_disabled"]');
    await expect.poll(() => note.textContent()).toContain(TITLES.portal_disabled);
    expect(await note.getAttribute('role')).toBe('alert');
    await page.close();
  });

  it('shows nothing taken from the address: an unknown or hostile reason shows no message', async () => {
    await firm();
    const page = await t.browser.newPage();
    const errors = watchErrors(page);
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    for (const reason of ['<script>alert(1)</script>', 'removed<img src=x onerror=alert(1)>', 'constructor', '__proto__', 'REMOVED']) {
      await page.goto(`${t.app.url}/login?reason=${encodeURIComponent(reason)}`);
      await page.getByLabel('Email').waitFor();
      expect(await page.locator('[data-reason]').count()).toBe(0);
      const body = (await page.locator('main').textContent())!;
      expect(body).not.toContain('script');
      expect(body).not.toContain('onerror');
      expect(await page.locator('main img[src="x"]').count()).toBe(0);
    }
    expect(dialogs).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the idle warning', () => {
  /** A portal user of a client with a one-minute idle timeout (so the warning is at 30 s), with two tabs open on a fake clock. */
  async function twoTabs(): Promise<{ user: UserRow; agent: Agent; ctx: BrowserContext; one: Page; two: Page }> {
    await firm();
    const client = await buildClient(t.app.db, { name: 'Contoso Ltd', session_idle_minutes: 1 });
    const user = await buildPortalUser(t.app.db, { client_id: client.id });
    const agent = await signIn(t.app, user);
    const ctx = await signedInContext(t.browser, t.app.url, agent, { viewport: { width: 1366, height: 900 } });
    await ctx.clock.install();
    const one = await ctx.newPage();
    await one.goto(`${t.app.url}/portal`);
    await one.getByRole('heading', { level: 1 }).first().waitFor();
    const two = await ctx.newPage();
    await two.goto(`${t.app.url}/portal`);
    await two.getByRole('heading', { level: 1 }).first().waitFor();
    // Settled before any clock moves: a request still in flight when the server's clock jumps
    // would reach it as activity from just now (the page sent it while the person was there).
    for (const page of [one, two]) {
      await page.locator('.live[data-state="live"]').first().waitFor({ state: 'attached' });
      await page.waitForLoadState('networkidle');
    }
    return { user, agent, ctx, one, two };
  }

  /** Let `ms` pass for the browser and the server alike. */
  async function pass(ctx: BrowserContext, ms: number) {
    t.app.clock.advance(ms);
    await ctx.clock.fastForward(ms);
  }

  const dialogOf = (page: Page) => page.getByRole('alertdialog', { name: 'Are you still there?' });

  it('shows in every tab before the timeout; "Stay signed in" in one closes it in both, and the server agrees', async () => {
    const { agent, ctx, one, two } = await twoTabs();
    expect(await dialogOf(one).count()).toBe(0);
    await pass(ctx, 32_000); // 28 s left: within the 30 s warning
    await dialogOf(one).waitFor();
    await dialogOf(two).waitFor();
    expect(await dialogOf(one).textContent()).toMatch(/signed out in 0:2\d/);
    await shot(one, 'idle-warning-1366');
    await one.getByRole('button', { name: 'Stay signed in' }).click();
    await dialogOf(one).waitFor({ state: 'detached' });
    await dialogOf(two).waitFor({ state: 'detached' });
    // 72 s after the last page load: past the original deadline. The session is alive.
    await pass(ctx, 40_000);
    await new Promise((r) => setTimeout(r, 1500)); // the server's sweep runs meanwhile
    expect((await agent.get('/api/session')).status).toBe(200);
    await ctx.close();
  });

  it('"Sign out" in one tab signs out every tab', async () => {
    const { agent, ctx, one, two } = await twoTabs();
    await pass(ctx, 32_000);
    await dialogOf(two).waitFor();
    const cookie = agent.cookie;
    await dialogOf(two).getByRole('button', { name: 'Sign out' }).click();
    await two.waitForURL(/\/login$/);
    await one.waitForURL(/\/login$/);
    agent.cookie = cookie;
    expect((await agent.get('/api/session')).status).toBe(401);
    await ctx.close();
  });

  it('counting down to zero signs every tab out with the idle message', async () => {
    const { agent, ctx, one, two } = await twoTabs();
    await pass(ctx, 32_000);
    await dialogOf(one).waitFor();
    const cookie = agent.cookie;
    await pass(ctx, 30_000);
    await one.waitForURL('**/login?reason=idle_timeout');
    await two.waitForURL('**/login?reason=idle_timeout');
    await expect.poll(() => two.locator('[data-reason="idle_timeout"]').textContent()).toContain(TITLES.idle_timeout);
    agent.cookie = cookie;
    expect((await agent.get('/api/session')).status).toBe(401);
    await ctx.close();
  });

  it('server pushes are not activity: a change pushed to the page does not move the countdown', async () => {
    const { ctx, one, two, user } = await twoTabs();
    await pass(ctx, 20_000);
    // Something the page is pushed (the brand changed): the page reads the public brand, not its session.
    expect((await (await admin()).put('/api/firm/messages', { footer: `Pushed ${user.id.slice(0, 4)}` })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    await pass(ctx, 12_000);
    await dialogOf(one).waitFor();
    await dialogOf(two).waitFor();
    await ctx.close();
  });
});
