import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { artifact, launchBrowser, signedInContext, watchErrors as watch } from '../support/browser.js';
import { signIn } from '../support/factories.js';
import { buildEvidenceRow, setClientModules } from '../support/workspace.js';
import { buildDashboardWorld, type DashboardWorld } from '../support/portal.js';

let app: TestApp;
let browser: Browser;
let w: DashboardWorld;
const now = Date.now();

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
  w = await buildDashboardWorld(app.db, now, 'Contoso');
  const sqli = w.findings['SQL injection in search']!;
  await app.db
    .updateTable('findings')
    .set({
      cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      cvss_version: '3.1',
      cvss_score: 9.8,
      description: 'The **search** box passes its input straight into a SQL query.',
      impact: 'An attacker can read every customer record.',
      remediation: 'Use parameterised queries.\n\n```\ndb.query("select * from items where name = ?", [term])\n```',
      technical_details: 'Request: `GET /search?q=1%27%20OR%201=1--`',
      references_json: JSON.stringify(['https://owasp.org/www-community/attacks/SQL_Injection', 'https://cwe.mitre.org/data/definitions/89.html']),
      affected_assets_json: JSON.stringify(['https://app.contoso.test/search', 'api.contoso.test']),
      internal_notes: 'Internal: client was slow to give access',
    })
    .where('id', '=', sqli.id)
    .execute();
  await buildEvidenceRow(app.db, sqli.id, { shared: 1, kind: 'file', caption: 'HTTP request and response' });
  // The reports and chat modules are switched off for this client.
  await setClientModules(app.db, w.client.id, { reports: false, chat: false });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A browser context signed in as the client's Viewer (the session is made directly; login has its own tests). */
async function viewerContext(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const ctx = await signedInContext(browser, app.url, await signIn(app, w.people.viewer), { viewport });
  // Fail a step within seconds, so a broken page names the step instead of timing the whole test out.
  ctx.setDefaultTimeout(8_000);
  return ctx;
}

const rowTitles = (page: Page) => page.locator('table.findings tbody tr td.title').allTextContents();

describe('the client portal in the browser', () => {
  it('a Viewer sees the dashboard, a locked module, sorts and filters a project’s findings, opens a finding and reaches support', async () => {
    const ctx = await viewerContext();
    const page = await ctx.newPage();
    const errors = watch(page);

    // Dashboard: numbers, chart, progress, activity.
    await page.goto(`${app.url}/portal`);
    await page.getByRole('heading', { level: 1, name: 'Security overview' }).waitFor();
    await page.getByRole('heading', { name: 'Open findings by severity' }).waitFor();
    const stat = (label: string) => page.locator('.stat', { hasText: label }).locator('.value').textContent();
    expect(await stat('Active projects')).toBe('2');
    expect(await stat('Open findings')).toBe('5');
    expect(await stat('Remediated')).toBe('44%');
    const chart = page.getByTestId('severity-chart');
    expect(await chart.locator('text.count').allTextContents()).toEqual(['1', '1', '2', '1', '0']);
    expect(await chart.locator('text.label').allTextContents()).toEqual(['Critical', 'High', 'Medium', 'Low', 'Informational']);
    // The table read by screen readers carries the same numbers.
    expect(
      await page
        .getByRole('table', { name: 'Open findings by severity' })
        .getByRole('row', { name: /Medium/ })
        .textContent(),
    ).toContain('2');
    expect(await page.getByRole('progressbar', { name: 'Web application test: remediation' }).getAttribute('aria-valuenow')).toBe('43');
    expect(await page.getByRole('progressbar', { name: 'External network test: remediation' }).getAttribute('aria-valuenow')).toBe('50');
    await page.getByRole('link', { name: 'Stored XSS in comments: Pending verification → Not fixed' }).waitFor();
    // Reports are off: no report events in the activity feed.
    expect(await page.getByText('Report published').count()).toBe(0);
    await page.screenshot({ path: artifact('portal-dashboard.png'), fullPage: true });

    // The menu: Reports and Chat are locked (padlock); Activity is on and has its page (a plain link);
    // Findings is on and has no page of its own (findings are reached through projects), so it is not listed.
    const menu = page.getByRole('navigation', { name: 'Main' });
    const reportsLink = menu.getByRole('link', { name: 'Reports (not enabled for your organisation)' });
    expect(await reportsLink.locator('svg.padlock').count()).toBe(1);
    expect(await menu.getByRole('link', { name: 'Chat (not enabled for your organisation)' }).locator('svg.padlock').count()).toBe(1);
    expect(await menu.getByRole('link', { name: 'Activity', exact: true }).count()).toBe(1);
    expect(await menu.getByRole('link', { name: 'Activity', exact: true }).locator('svg.padlock').count()).toBe(0);
    expect(await menu.getByRole('link', { name: /Findings/ }).count()).toBe(0);
    expect(await menu.getByRole('link', { name: 'Projects', exact: true }).locator('svg.padlock').count()).toBe(0);
    await reportsLink.click();
    await page.getByText('This module is not enabled for your organisation').waitFor();
    expect(await page.locator('main').textContent()).toContain('The Reports module is not enabled for your organisation');
    await page.screenshot({ path: artifact('portal-module-locked.png'), fullPage: true });
    await menu.getByRole('link', { name: /^Chat/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Chat' }).waitFor();
    await page.getByText('This module is not enabled for your organisation').waitFor();

    // Projects → a project; its findings table sorts and filters through the URL.
    await menu.getByRole('link', { name: 'Projects', exact: true }).click();
    await page.getByRole('link', { name: 'Web application test' }).click();
    await page.getByRole('heading', { level: 1, name: 'Web application test' }).waitFor();
    await page.locator('table.findings').waitFor();
    expect((await rowTitles(page))[0]).toBe('SQL injection in search');
    expect(await page.locator('section', { hasText: 'Reports' }).getByText('This module is not enabled for your organisation').count()).toBe(1);
    await page.getByRole('button', { name: 'Title' }).click();
    await expect.poll(() => page.url()).toContain('sort=title&dir=asc');
    await expect
      .poll(() => rowTitles(page))
      .toEqual([
        'Missing HSTS header',
        'Server banner disclosure',
        'Session fixation',
        'SQL injection in search',
        'Stored XSS in comments',
        'Verbose error messages',
        'Weak password policy',
      ]);
    expect(await page.getByRole('columnheader', { name: 'Title' }).getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('button', { name: 'Title' }).click();
    await expect.poll(() => page.url()).toContain('dir=desc');
    await expect.poll(() => rowTitles(page).then((t) => t[0])).toBe('Weak password policy');

    await page.getByRole('combobox', { name: 'Severity' }).click();
    await page.getByRole('option', { name: 'High' }).click();
    await expect.poll(() => page.url()).toContain('severity=high');
    await expect.poll(() => rowTitles(page)).toEqual(['Stored XSS in comments', 'Session fixation']);
    await page.getByText('Showing 2 of 7 findings').waitFor();
    await page.screenshot({ path: artifact('portal-project-filtered.png'), fullPage: true });

    // The view is linkable: a reload keeps the sort and the filter.
    await page.reload();
    await page.locator('table.findings').waitFor();
    expect(await rowTitles(page)).toEqual(['Stored XSS in comments', 'Session fixation']);

    // Keyboard: the status filter opens with the keyboard too.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rowTitles(page).then((t) => t.length)).toBe(7);
    await page.getByRole('combobox', { name: 'Status' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('option', { name: 'Open', exact: true }).click();
    await expect.poll(() => page.url()).toContain('status=open');
    await expect.poll(() => rowTitles(page)).toEqual(['SQL injection in search']);

    // A finding: every visible field, sanitised HTML, history; never internal notes.
    await page.getByRole('link', { name: 'SQL injection in search' }).click();
    await page.getByRole('heading', { level: 1, name: 'SQL injection in search' }).waitFor();
    const main = page.locator('main');
    await main.getByText('9.8').waitFor();
    expect(await main.textContent()).toContain('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
    expect(await main.locator('strong', { hasText: 'search' }).count()).toBe(1);
    for (const heading of [
      'Description',
      'Impact',
      'Remediation guidance',
      'Technical details',
      'Evidence',
      'Affected assets',
      'References',
      'Status history',
    ]) {
      await main.getByRole('heading', { name: heading }).waitFor();
    }
    expect(await main.getByRole('link', { name: 'https://cwe.mitre.org/data/definitions/89.html' }).getAttribute('rel')).toContain('noopener');
    expect(await main.getByRole('link', { name: /HTTP request and response/ }).getAttribute('href')).toMatch(/^\/api\/evidence\/[\w-]+\/file$/);
    expect(await main.textContent()).not.toContain('Internal: client was slow');
    await page.screenshot({ path: artifact('portal-finding.png'), fullPage: true });

    // The "Managed by" banner: hover shows the support contact.
    const banner = page.getByRole('button', { name: /Managed by/ });
    expect(await banner.textContent()).toContain('Acme Security');
    const contact = page.getByRole('group', { name: 'Acme Security support' });
    expect(await contact.isVisible()).toBe(false);
    await banner.hover();
    await contact.waitFor();
    expect(await contact.getByRole('link', { name: 'support@acme.test' }).getAttribute('href')).toBe('mailto:support@acme.test');
    expect(await contact.getByRole('link', { name: '+44 20 7946 0000' }).getAttribute('href')).toBe('tel:+442079460000');
    await page.screenshot({ path: artifact('portal-managed-by-hover.png') });
    await page.mouse.move(900, 100);
    await contact.waitFor({ state: 'hidden' });

    // …and keyboard focus does too; Tab reaches its links; Escape closes it.
    await page.getByRole('button', { name: 'Sign out' }).focus();
    await page.keyboard.press('Tab');
    expect(await banner.evaluate((el) => el === document.activeElement)).toBe(true);
    await contact.waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('support@acme.test');
    expect(await contact.isVisible()).toBe(true);
    await page.screenshot({ path: artifact('portal-managed-by-focus.png') });
    await page.keyboard.press('Escape');
    await contact.waitFor({ state: 'hidden' });

    expect(errors).toEqual([]);
    await ctx.close();
  }, 90_000);

  it('is readable at 390 px: dashboard, menu with padlocks and banner, project table, finding', async () => {
    const ctx = await viewerContext({ width: 390, height: 844 });
    const page = await ctx.newPage();
    const errors = watch(page);
    const noSideways = async (what: string) => expect(await page.evaluate(() => document.documentElement.scrollWidth), what).toBeLessThanOrEqual(390);

    await page.goto(`${app.url}/portal`);
    await page.getByTestId('severity-chart').waitFor();
    await noSideways('dashboard');
    await page.screenshot({ path: artifact('portal-dashboard-390.png'), fullPage: true });

    await page.getByRole('button', { name: 'Menu' }).click();
    const menu = page.getByRole('navigation', { name: 'Main' });
    await menu.getByRole('link', { name: 'Reports (not enabled for your organisation)' }).waitFor();
    await page.getByRole('button', { name: /Managed by/ }).focus();
    await page.getByRole('group', { name: 'Acme Security support' }).waitFor();
    await page.screenshot({ path: artifact('portal-menu-390.png') });
    await page.keyboard.press('Escape');

    await page.goto(`${app.url}/portal/projects/${w.web.id}`);
    await page.locator('table.findings').waitFor();
    await noSideways('project');
    await page.getByRole('combobox', { name: 'Sort by' }).click();
    await page.getByRole('option', { name: 'Title, A to Z' }).click();
    await expect.poll(() => rowTitles(page).then((t) => t[0])).toBe('Missing HSTS header');
    await page.screenshot({ path: artifact('portal-project-390.png'), fullPage: true });

    await page.goto(`${app.url}/portal/findings/${w.findings['SQL injection in search']!.id}`);
    await page.getByRole('heading', { name: 'Status history' }).waitFor();
    await noSideways('finding');
    await page.screenshot({ path: artifact('portal-finding-390.png'), fullPage: true });

    await page.goto(`${app.url}/portal/projects`);
    await page.getByRole('link', { name: 'Web application test' }).waitFor();
    await noSideways('projects');
    await page.screenshot({ path: artifact('portal-projects-390.png'), fullPage: true });
    expect(errors).toEqual([]);

    // With the connection lost the bar says so in its longest words, and still fits the phone.
    await page.routeWebSocket(/\/socket\.io\//, (ws) => ws.close());
    await page.reload();
    await page.getByRole('link', { name: 'Web application test' }).waitFor();
    await page
      .getByRole('banner')
      .getByText(/Connecting…|Reconnecting…/)
      .waitFor();
    await noSideways('projects, reconnecting');
    await page.screenshot({ path: artifact('portal-projects-390-reconnecting.png') });
    await ctx.close();
  }, 60_000);

  it('with the Reports module on, the reports list shows the published reports with a download button', async () => {
    await setClientModules(app.db, w.client.id, { reports: true });
    const ctx = await viewerContext();
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.goto(`${app.url}/portal/reports`);
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    const menu = page.getByRole('navigation', { name: 'Main' });
    expect(await menu.getByRole('link', { name: 'Reports', exact: true }).locator('svg.padlock').count()).toBe(0);
    await page.getByText('Web application test report').waitFor();
    expect(await page.getByText('Draft report').count()).toBe(0);
    await page.getByRole('button', { name: /Download PDF: Web application test report, version 2/ }).waitFor();
    await page.screenshot({ path: artifact('portal-reports.png'), fullPage: true });
    // The dashboard now lists the report in its activity.
    await page.goto(`${app.url}/portal`);
    await page.getByRole('link', { name: 'Report published: Web application test report v2 (Web application test)' }).waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
    await setClientModules(app.db, w.client.id, { reports: false });
  });
});
