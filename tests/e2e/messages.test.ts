import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildFirm } from '../support/factories.js';
import { publishedFinding, remediationWorld } from '../support/remediation.js';

/**
 * The firm's custom messages in Chromium (issue 15, points 8 and 9): an admin edits the welcome
 * and the "Pending verification" explanation, previews them (rendered by the server), is refused
 * a footer over its limit, saves; a client's Manager then sees the welcome on the overview, the
 * explanation beside that status on a finding and behind the "?" in the findings list, the footer,
 * and opens the Help panel with the keyboard (focus inside, Escape closes, focus returns).
 * Screenshots at 1366 and 390 px wide go to /tmp/shots-i15-msgs/ (looked at, not kept in git).
 */
const t = useBrowserApp();
const SHOTS = '/tmp/shots-i15-msgs';
const shot = async (page: Page, name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
};
const overflows = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };

const WELCOME = 'Hello from **Northwind**: start with the [overview guide](https://northwind.test/guide).';
const PENDING = 'Thanks for fixing it! Our team **retests within five working days** and records the result here.';

describe('custom messages in the browser', () => {
  it('an admin edits, previews and saves; a Manager sees the welcome, the status explanation, the footer and the Help panel', async () => {
    await buildFirm(t.app.db, { name: 'Northwind Security', support_email: 'help@northwind.test', support_phone: '+44 20 7946 0999' });
    const w = await remediationWorld(t.app);
    const finding = await publishedFinding(t.app, w.project, { title: 'SQL injection in search', status: 'pending_verification' });
    await publishedFinding(t.app, w.project, { title: 'Missing security headers', severity: 'low' });

    const admin = await (await signedInContext(t.browser, t.app.url, w.as.admin, { viewport: DESKTOP })).newPage();
    const errors = watchErrors(admin);

    // The tab is there; every message starts with its default, so staff see what clients see.
    await admin.goto(`${t.app.url}/staff/settings/company`);
    await admin.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Messages' }).click();
    await admin.getByRole('heading', { name: 'Messages', level: 1 }).waitFor();
    const welcome = admin.getByLabel('Welcome message', { exact: true });
    expect(await welcome.inputValue()).toContain('Welcome to your security portal from Northwind Security.');
    const pending = admin.getByLabel('Pending verification', { exact: true });
    expect(await pending.inputValue()).toMatch(/waiting for us to check/);
    expect(await admin.getByLabel('Help and contact').inputValue()).toContain('[help@northwind.test](mailto:help@northwind.test)');
    expect(await admin.getByRole('button', { name: 'Save messages' }).isDisabled()).toBe(true);

    // Edit and preview: the server's rendering, sanitised (a script stays text).
    await welcome.fill(`${WELCOME}\n\n<script>alert(1)</script>`);
    await admin.getByTestId('message-msg-welcome').getByText('Your text').waitFor();
    await admin.getByRole('button', { name: 'Preview Welcome message' }).click();
    const welcomePreview = admin.getByTestId('preview-msg-welcome');
    await welcomePreview.locator('strong', { hasText: 'Northwind' }).waitFor();
    expect(await welcomePreview.getByRole('link', { name: 'overview guide' }).getAttribute('href')).toBe('https://northwind.test/guide');
    await welcomePreview.getByText('<script>alert(1)</script>').waitFor();
    await welcome.fill(WELCOME);
    await welcomePreview.getByText('changed since').waitFor();
    await admin.getByRole('button', { name: 'Update preview Welcome message' }).click();
    await welcomePreview.getByText('changed since').waitFor({ state: 'detached' });

    await pending.fill(PENDING);
    await admin.getByRole('button', { name: 'Preview Pending verification' }).click();
    await admin.getByTestId('preview-msg-status-pending_verification').locator('strong', { hasText: 'retests within five working days' }).waitFor();

    // A footer over its limit: the count says so, the server refuses it naming the field, nothing saved.
    const footer = admin.getByLabel('Footer', { exact: true });
    await footer.fill('x'.repeat(501));
    await admin.getByText('1 too many').waitFor();
    await admin.getByRole('button', { name: 'Save messages' }).click();
    await admin.getByText('at most 500 characters (this one has 501)').waitFor();
    await admin.getByText('Nothing was saved: fix the messages marked below.').waitFor();
    expect(await t.app.db.selectFrom('firm_messages').select('key').execute()).toEqual([]);
    await admin.getByRole('button', { name: 'Reset to default (Footer)' }).click();
    expect(await footer.inputValue()).toMatch(/^Shared with you by Northwind Security\./);

    await shot(admin, 'settings-messages-desktop');
    await admin.setViewportSize(PHONE);
    await shot(admin, 'settings-messages-phone');
    expect(await overflows(admin)).toBe(false);
    await admin.setViewportSize(DESKTOP);

    await admin.getByRole('button', { name: 'Save messages' }).click();
    await admin.getByText('Messages saved.').waitFor();
    const rows = await t.app.db.selectFrom('firm_messages').select(['key', 'body']).orderBy('key').execute();
    expect(rows).toEqual([
      { key: 'status.pending_verification', body: PENDING },
      { key: 'welcome', body: WELCOME },
    ]);
    expect(await t.app.db.selectFrom('audit_events').select('action').where('action', '=', 'firm.messages_updated').execute()).toHaveLength(1);

    // The client's Manager: the welcome on the overview, and the footer.
    const client = await (await signedInContext(t.browser, t.app.url, w.as.managerA, { viewport: DESKTOP })).newPage();
    errors.push(...watchErrors(client));
    await client.goto(`${t.app.url}/portal`);
    const shownWelcome = client.getByTestId('welcome-message');
    await shownWelcome.locator('strong', { hasText: 'Northwind' }).waitFor();
    await client.getByTestId('portal-footer').getByText('Shared with you by Northwind Security.').waitFor();
    // Saved while the client's page is open: its footer changes in place, without a reload.
    await client.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    await footer.fill('Shared with you by Northwind Security. Questions? Use Help.');
    await admin.getByRole('button', { name: 'Save messages' }).click();
    await client.getByTestId('portal-footer').getByText('Questions? Use Help.').waitFor();
    expect(await client.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    await client.getByRole('heading', { name: 'Open findings by severity' }).waitFor();
    await shot(client, 'portal-welcome-desktop');
    await client.setViewportSize(PHONE);
    expect(await overflows(client)).toBe(false);
    await shot(client, 'portal-welcome-phone');

    // The Help panel from the phone bar, by keyboard: labelled, focus inside, Escape closes, focus returns.
    const helpButton = client.getByRole('banner').getByRole('button', { name: 'Help' });
    await helpButton.focus();
    await client.keyboard.press('Enter');
    const panel = client.getByRole('dialog', { name: 'Help' });
    await panel.waitFor();
    expect(await panel.getByRole('link', { name: 'help@northwind.test' }).getAttribute('href')).toBe('mailto:help@northwind.test');
    await panel.getByText('+44 20 7946 0999').waitFor();
    for (let i = 0; i < 4; i++) {
      await client.keyboard.press('Tab');
      expect(await panel.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    }
    await shot(client, 'portal-help-phone');
    await client.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await helpButton.evaluate((el) => el === document.activeElement)).toBe(true);
    await client.setViewportSize(DESKTOP);
    // On a desktop the button sits at the top of the menu; the close button closes it too.
    await client.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Help' }).click();
    await panel.getByText('+44 20 7946 0999').waitFor();
    await shot(client, 'portal-help-desktop');
    await panel.getByRole('button', { name: 'Close help' }).click();
    await panel.waitFor({ state: 'detached' });

    // Hiding the welcome keeps it hidden for this person until the firm changes it.
    await shownWelcome.getByRole('button', { name: 'Hide the welcome message' }).click();
    await shownWelcome.waitFor({ state: 'detached' });
    await client.reload();
    await client.getByRole('heading', { name: 'Open findings by severity' }).waitFor();
    expect(await client.getByTestId('welcome-message').count()).toBe(0);

    // The finding: the firm's explanation beside its status.
    await client.goto(`${t.app.url}/portal/findings/${finding.id}`);
    const explained = client.getByTestId('status-explanation');
    await explained.getByRole('heading', { name: 'What “Pending verification” means for you' }).waitFor();
    await explained.locator('strong', { hasText: 'retests within five working days' }).waitFor();
    await shot(client, 'portal-finding-desktop');
    await client.setViewportSize(PHONE);
    expect(await overflows(client)).toBe(false);
    await shot(client, 'portal-finding-phone');
    await client.setViewportSize(DESKTOP);

    // The findings list: a "?" beside each status opens its explanation, by keyboard too.
    await client.goto(`${t.app.url}/portal/projects/${w.project.id}`);
    const why = client.getByRole('button', { name: 'What “Pending verification” means' });
    await why.focus();
    await client.keyboard.press('Enter');
    const bubble = client.getByRole('dialog', { name: 'What “Pending verification” means' });
    await bubble.locator('strong', { hasText: 'retests within five working days' }).waitFor();
    await shot(client, 'portal-list-explain-desktop');
    await client.keyboard.press('Escape');
    await bubble.waitFor({ state: 'detached' });
    // Focus is back on the button that opened it (one popover serves the whole list).
    await expect.poll(() => why.evaluate((el) => el === document.activeElement)).toBe(true);
    // Open findings keep the default explanation.
    await client.getByRole('button', { name: 'What “Open” means' }).click();
    await client.getByRole('dialog', { name: 'What “Open” means' }).getByText('has not been fixed yet').waitFor();

    expect(errors).toEqual([]);
  });
});
