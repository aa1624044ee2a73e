import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { artifact, launchBrowser, publishOnPage, signedInContext, watchErrors as watch } from '../support/browser.js';
import { buildStaff, signIn } from '../support/factories.js';
import type { UserRow } from '../../db/schema.js';

let app: TestApp;
let browser: Browser;
let admin: UserRow;
beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  await buildStaff(app.db, { name: 'Sam Analyst' });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Pick an option of a bits-ui select named by its label. */
async function choose(scope: Page | ReturnType<Page['getByRole']>, page: Page, label: string, option: string) {
  await scope.getByLabel(label, { exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

const VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

/** A browser context signed in as `user`. */
const contextFor = async (user: UserRow, viewport = { width: 1280, height: 900 }) => signedInContext(browser, app.url, await signIn(app, user), { viewport });

describe('the staff workspace in the browser', () => {
  it('client → project → finding with CVSS → 409 from a stale tab → publish; portal configuration; company contact', async () => {
    const ctx = await contextFor(admin);
    const page = await ctx.newPage();
    const errors = watch(page);

    // A new client, then its Projects tab.
    await page.goto(`${app.url}/staff/clients`);
    await page.getByRole('button', { name: 'New client' }).first().click();
    await page.getByRole('dialog').getByLabel('Client name').fill('Contoso');
    await page.getByRole('dialog').getByRole('button', { name: 'Create client' }).click();
    await page.getByRole('heading', { level: 1, name: 'Contoso' }).waitFor();
    await page.getByRole('tab', { name: 'Projects' }).click();
    await page.getByText('No projects yet.').waitFor();
    await page.screenshot({ path: artifact('staff-client-projects-empty.png'), fullPage: true });

    // A new project with status, dates and a team.
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('External penetration test');
    await choose(dialog, page, 'Status', 'Active');
    await dialog.getByLabel('Start date').fill('2026-01-05');
    await dialog.getByLabel('End date').fill('2026-01-30');
    await dialog.getByLabel('Team').click();
    await page.getByRole('option', { name: 'Sam Analyst' }).click();
    await page.getByRole('option', { name: 'Ada Admin' }).click();
    await page.keyboard.press('Escape');
    await dialog.getByLabel('Description').fill('Internet-facing hosts of contoso.test');
    await expect.poll(() => dialog.getByText('Ada Admin, Sam Analyst').count()).toBe(1);
    await page.screenshot({ path: artifact('staff-new-project-dialog.png') });
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { level: 1, name: 'External penetration test' }).waitFor();
    expect(await page.getByLabel('Project details').textContent()).toContain('Ada Admin, Sam Analyst');
    await page.screenshot({ path: artifact('staff-project-empty.png'), fullPage: true });
    const project = await app.db.selectFrom('projects').selectAll().executeTakeFirstOrThrow();
    expect(project).toMatchObject({ status: 'active', start_date: '2026-01-05', end_date: '2026-01-30' });

    // A new finding opens the editor; a CVSS vector is scored by the server on save.
    await page.getByRole('button', { name: 'New finding' }).click();
    await page.getByRole('dialog').getByLabel('Title').fill('Remote code execution in upload');
    await choose(page.getByRole('dialog'), page, 'Severity', 'Critical');
    await page.getByRole('dialog').getByRole('button', { name: 'Create draft' }).click();
    await page.getByRole('heading', { level: 1, name: 'Remote code execution in upload' }).waitFor();
    const findingUrl = page.url();
    await page.getByLabel('CVSS vector').fill(VECTOR);
    await page.getByLabel('Description', { exact: true }).fill('The **upload** endpoint runs files. [bad](javascript:alert(1))');
    await page.getByRole('button', { name: '+ Add reference' }).click();
    await page.getByLabel('References 1', { exact: true }).fill('https://owasp.org/www-community/attacks/Code_Injection');
    await page.getByLabel('Internal notes').fill('Retest after the Friday deploy');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByTestId('cvss-score').textContent()).toBe('9.8');
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    // The preview is the server's sanitised rendering: bold kept, the javascript: link gone.
    await page.getByRole('tab', { name: 'Preview' }).first().click();
    const preview = page.getByRole('region', { name: 'Description' });
    expect(await preview.innerHTML()).toContain('<strong>upload</strong>');
    expect(await preview.innerHTML()).not.toContain('javascript:');
    expect(await page.getByRole('region', { name: 'Evidence' }).getByRole('button', { name: 'Upload evidence' }).count()).toBe(1);
    await page.screenshot({ path: artifact('staff-finding-editor.png'), fullPage: true });
    await page.getByRole('tab', { name: 'Write' }).first().click();

    // A second tab opens the same version; the first saves; the second's save gets the 409 banner.
    const stale = await ctx.newPage();
    const staleErrors = watch(stale);
    await stale.goto(findingUrl);
    await stale.getByLabel('Title', { exact: true }).waitFor();
    await page.getByLabel('Impact', { exact: true }).fill('Full compromise of the upload server.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await stale.getByLabel('Title', { exact: true }).fill('A stale title');
    await stale.getByRole('button', { name: 'Save changes' }).click();
    const banner = stale.getByRole('alert').filter({ hasText: 'A colleague changed this finding' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Reload to see their changes');
    await stale.screenshot({ path: artifact('staff-finding-conflict.png'), fullPage: true });
    let row = await app.db.selectFrom('findings').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ title: 'Remote code execution in upload', impact: 'Full compromise of the upload server.', version: 3 });
    await banner.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    expect(await stale.getByLabel('Impact', { exact: true }).inputValue()).toBe('Full compromise of the upload server.');
    expect(await stale.getByLabel('Title', { exact: true }).inputValue()).toBe('Remote code execution in upload');
    expect(staleErrors).toEqual([]);
    await stale.close();

    // Publish: the badge changes and the history starts with "Open"; then a status change with a note.
    await publishOnPage(page);
    expect(await page.locator('header').getByText('Published').count()).toBe(1);
    await page.getByRole('button', { name: 'Change status' }).click();
    await choose(page.getByRole('dialog'), page, 'New status', 'Pending verification');
    await page.getByRole('dialog').getByLabel('Note (required)').fill('Client deployed a fix');
    await page.getByRole('dialog').getByRole('button', { name: 'Change status' }).click();
    await page.getByText('Client deployed a fix').first().waitFor();
    await page.screenshot({ path: artifact('staff-finding-published.png'), fullPage: true });
    row = await app.db.selectFrom('findings').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ published: 1, status: 'pending_verification', cvss_score: 9.8 });

    // The project's findings table shows it.
    await page.getByRole('link', { name: '← External penetration test' }).click();
    expect(await page.getByRole('link', { name: 'Reports' }).getAttribute('href')).toBe(`/staff/projects/${project.id}/reports`);
    const findingRow = page.getByRole('row', { name: /Remote code execution/ });
    await findingRow.waitFor();
    expect(await findingRow.textContent()).toMatch(/Critical.*Pending verification.*Published.*9\.8/);
    await page.screenshot({ path: artifact('staff-project-findings.png'), fullPage: true });

    // Portal configuration on the client's Settings tab.
    await page.goto(`${app.url}/staff/clients/${project.client_id}?tab=settings`);
    await page.getByRole('switch', { name: 'CVSS' }).click();
    await page.getByRole('switch', { name: 'Chat' }).click();
    await page.getByRole('button', { name: 'Save settings' }).click();
    // Locking Chat asks first when the client has people (the server's consequence), then saves.
    const asked = page.getByRole('alertdialog');
    await Promise.race([asked.waitFor(), page.getByText('Settings saved.').waitFor()]);
    if (await asked.isVisible()) await asked.getByRole('button', { name: 'Save and apply' }).click();
    await page.getByText('Settings saved.').waitFor();
    const client = await app.db.selectFrom('clients').selectAll().where('id', '=', project.client_id).executeTakeFirstOrThrow();
    expect(JSON.parse(client.visible_fields)).toMatchObject({ cvss: false, technicalDetails: true });
    expect(JSON.parse(client.modules)).toMatchObject({ chat: false, projects: true });
    await page.getByText('Hidden fields are never sent').scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('staff-client-portal-config.png'), fullPage: true });

    // Company settings: the support contact with its live preview.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Company settings' }).waitFor();
    await page.getByLabel('Support email').fill('not-an-email');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('valid email');
    await page.getByLabel('Firm name').fill('Northwind Security');
    await page.getByLabel('Support email').fill('help@northwind.test');
    await page.getByLabel('Support phone').fill('+44 20 7946 0999');
    expect(await page.getByTestId('managed-by-preview').textContent()).toContain('Northwind Security');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Company settings saved.').waitFor();
    await page.screenshot({ path: artifact('staff-company-settings.png'), fullPage: true });
    const firm = await app.db.selectFrom('firm').selectAll().executeTakeFirstOrThrow();
    expect(firm).toMatchObject({ name: 'Northwind Security', support_email: 'help@northwind.test', support_phone: '+44 20 7946 0999' });

    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('is readable on a 390 px phone', async () => {
    const ctx = await contextFor(admin, { width: 390, height: 844 });
    const page = await ctx.newPage();
    const errors = watch(page);
    const finding = await app.db.selectFrom('findings').select(['id', 'project_id']).executeTakeFirstOrThrow();
    for (const [path, name] of [
      [`/staff/projects/${finding.project_id}`, 'staff-project-390.png'],
      [`/staff/findings/${finding.id}`, 'staff-finding-390.png'],
      ['/staff/projects', 'staff-projects-390.png'],
      ['/staff/settings/company', 'staff-company-390.png'],
    ] as const) {
      await page.goto(app.url + path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
      await page.screenshot({ path: artifact(name), fullPage: true });
    }
    await page.goto(`${app.url}/staff/findings/00000000-0000-4000-8000-000000000000`);
    await page.getByRole('heading', { level: 1, name: 'Finding not found' }).waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('saves remediation targets and session limits, and names a refused value on its field', async () => {
    const agent = await signIn(app, admin);
    const ctx = await signedInContext(browser, app.url, agent, { viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const errors = watch(page);

    await page.goto(`${app.url}/staff/settings/remediation`);
    await page.getByRole('heading', { level: 1, name: 'Remediation targets' }).waitFor();
    const before = (await agent.get('/api/firm/remediation-targets')).body.targets;
    await page.getByLabel('Critical (days)').fill('0');
    await page.getByRole('button', { name: 'Save targets' }).click();
    await expect.poll(() => page.locator('#days-critical-error').textContent()).toBeTruthy();
    expect((await agent.get('/api/firm/remediation-targets')).body.targets).toEqual(before);
    await page.getByLabel('Critical (days)').fill('14');
    await page.getByRole('button', { name: 'Save targets' }).click();
    await page.getByText('Remediation targets saved.').waitFor();
    expect((await agent.get('/api/firm/remediation-targets')).body.targets).toEqual({ ...before, critical: 14 });
    await page.screenshot({ path: artifact('settings-remediation.png'), fullPage: true });

    await page.goto(`${app.url}/staff/settings/security`);
    await page.getByLabel('Idle timeout (minutes)').fill('2');
    await page.getByRole('button', { name: 'Save session settings' }).click();
    await expect.poll(() => page.locator('#idle-error').textContent()).toBeTruthy();
    expect((await agent.get('/api/admin/security')).body.sessionIdleMinutes).toBeNull();
    await page.getByLabel('Idle timeout (minutes)').fill('45');
    await page.getByRole('button', { name: 'Save session settings' }).click();
    await page.getByText('Saved. New limits apply to every open session at once.').waitFor();
    expect((await agent.get('/api/admin/security')).body.sessionIdleMinutes).toBe(45);
    await page.screenshot({ path: artifact('settings-security.png'), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
