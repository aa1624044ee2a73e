import { mkdirSync } from 'node:fs';
import { appendAuditRows, type UnchainedAuditRow } from '../../server/audit.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { ClientRow, UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, signedInContext, watchErrors } from '../support/browser.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';

/**
 * The audit readers in Chromium (issue 15, points 12 and 17): an admin filters, searches, pages
 * and sees a live row arrive (paused: "Show 1 new"); changes the audit settings; a client Manager
 * opens the Access log and sees their own people only. Screenshots at 1366 and 390 px wide go to
 * /tmp/shots-i15-auditui (outside the repository).
 */

const SHOTS = '/tmp/shots-i15-auditui';
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };

let app: TestApp;
let browser: Browser;
let A: ClientRow;
let B: ClientRow;
let admin: UserRow;
let manager: UserRow;
let viewer: UserRow;
let n = 0;
const row = (over: Partial<UnchainedAuditRow> & { action: string }): Partial<UnchainedAuditRow> => ({
  at: Date.now() - 3_600_000 + ++n * 1000,
  outcome: 'success',
  source: 'server',
  user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  ...over,
});

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  browser = await launchBrowser();
  await buildFirm(app.db);
  A = await buildClient(app.db, { name: 'Northwind' });
  B = await buildClient(app.db, { name: 'Contoso' });
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin', email: 'ada@acme.test' });
  manager = await buildPortalUser(app.db, { client_id: A.id, role: 'manager', name: 'Mia Manager', email: 'mia@northwind.test' });
  viewer = await buildPortalUser(app.db, { client_id: A.id, role: 'viewer', name: 'Vic Viewer', email: 'vic@northwind.test' });
  const vic = { client_id: A.id, actor_id: viewer.id, actor_email: viewer.email, actor_kind: 'portal', ip: '203.0.113.7' };
  const rows = [];
  for (let i = 0; i < 60; i++) rows.push(row({ ...vic, action: 'page.viewed', target_type: 'page', target_id: `/portal/projects?p=${i}`, source: 'browser' }));
  rows.push(row({ ...vic, action: 'report.downloaded', target_type: 'report', target_id: 'rep-42' }));
  rows.push(
    row({
      client_id: A.id,
      actor_email: viewer.email,
      actor_kind: 'anonymous',
      action: 'auth.login',
      outcome: 'failure',
      target_type: 'user',
      target_id: viewer.id,
      ip: '198.51.100.9',
    }),
  );
  rows.push(row({ actor_email: 'stranger@evil.test', actor_kind: 'anonymous', action: 'auth.login', outcome: 'failure', ip: '198.51.100.10' }));
  rows.push(
    row({
      client_id: A.id,
      actor_id: admin.id,
      actor_email: admin.email,
      actor_kind: 'staff',
      action: 'user.updated',
      target_type: 'user',
      target_id: viewer.id,
      ip: '10.9.9.9',
    }),
  );
  rows.push(
    row({ client_id: B.id, actor_kind: 'portal', actor_email: 'bo@contoso.test', action: 'comment.created', target_type: 'comment', target_id: 'c-1' }),
  );
  await appendAuditRows(app.db, rows);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const open = async (user: UserRow, viewport = DESKTOP) => {
  const ctx = await signedInContext(browser, app.url, await signIn(app, user), { viewport });
  const page = await ctx.newPage();
  return { ctx, page, errors: watchErrors(page) };
};
const bodyRows = (page: Page) => page.getByTestId('audit-rows').locator('tbody tr');

describe('the staff Audit page', () => {
  it('an admin filters, searches, pages and watches a live row arrive', async () => {
    const { ctx, page, errors } = await open(admin);
    await page.goto(`${app.url}/staff`);
    await page.getByRole('navigation').getByRole('link', { name: 'Audit' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
    await bodyRows(page).first().waitFor();
    expect(await bodyRows(page).count()).toBe(50);
    expect(await page.getByText('browser-reported').count()).toBeGreaterThan(0);
    await shot(page, 'audit-1366.png');

    // Load more: the older rows follow, none twice.
    await page.getByRole('button', { name: 'Load more' }).click();
    // Older rows follow (65 seeded and written so far, plus the page views this browser reports meanwhile).
    await expect.poll(() => bodyRows(page).count()).toBeGreaterThanOrEqual(65);
    const idsShown = await bodyRows(page).evaluateAll((trs) => trs.map((t) => t.getAttribute('data-id')));
    expect(new Set(idsShown).size).toBe(idsShown.length);

    // Filter by client and outcome.
    await page.getByLabel('Client').selectOption({ label: 'Northwind' });
    await page.getByLabel('Outcome').selectOption('failure');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => bodyRows(page).count()).toBe(1);
    expect(page.url()).toContain(`clientId=${A.id}`);
    expect(await bodyRows(page).first().textContent()).toContain('198.51.100.9');

    // Free text: an address.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL((u) => u.pathname === '/staff/audit' && !u.search); // else the fields reset under what is typed next
    await page.getByLabel('Search').fill('stranger@evil.test');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => bodyRows(page).count()).toBe(1);
    expect(await bodyRows(page).first().textContent()).toContain('stranger@evil.test');
    await shot(page, 'audit-search-1366.png');

    // Dates: from a day in the future nothing matches; the filter stays in the address.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL((u) => u.pathname === '/staff/audit' && !u.search);
    await page.getByLabel('From (UTC)').fill('2099-01-01');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No audit rows match these filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('from')).toBe('2099-01-01');
    expect(await page.getByLabel('From (UTC)').inputValue()).toBe('2099-01-01');

    // Live tail on the "report." group: a new download appears at the top.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL((u) => u.pathname === '/staff/audit' && !u.search); // else the fields reset under what is typed next
    await page.getByLabel('Action').fill('report.');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => bodyRows(page).count()).toBe(1);
    await page.getByRole('button', { name: 'Live tail' }).click();
    await page.getByText('Live: new matching rows appear at the top').waitFor();
    await appendAuditRows(app.db, [
      row({
        at: Date.now(),
        client_id: A.id,
        actor_id: viewer.id,
        actor_email: viewer.email,
        actor_kind: 'portal',
        action: 'report.downloaded',
        target_type: 'report',
        target_id: 'live-row',
      }),
    ]);
    await expect.poll(() => bodyRows(page).first().textContent(), { timeout: 10_000 }).toContain('live-row');
    await shot(page, 'audit-live-1366.png');

    // Paused: the next row waits, counted, until shown.
    await page.getByRole('button', { name: 'Pause' }).click();
    await appendAuditRows(app.db, [
      row({ at: Date.now(), client_id: A.id, actor_kind: 'portal', action: 'report.downloaded', target_type: 'report', target_id: 'held-row' }),
    ]);
    await page.getByRole('button', { name: 'Show 1 new' }).waitFor({ timeout: 10_000 });
    expect(await bodyRows(page).first().textContent()).toContain('live-row');
    await page.getByRole('button', { name: 'Show 1 new' }).click();
    await expect.poll(() => bodyRows(page).first().textContent()).toContain('held-row');
    await page.getByRole('button', { name: 'Stop live tail' }).click();
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('reads well on a phone, and the audit settings save and refuse a too-short retention', async () => {
    const phone = await open(admin, PHONE);
    await phone.page.goto(`${app.url}/staff/audit`);
    await bodyRows(phone.page).first().waitFor();
    await shot(phone.page, 'audit-390.png');
    await phone.ctx.close();

    for (const [viewport, name] of [
      [DESKTOP, 'settings-audit-1366.png'],
      [PHONE, 'settings-audit-390.png'],
    ] as const) {
      const { ctx, page, errors } = await open(admin, viewport);
      await page.goto(`${app.url}/staff/settings/audit`);
      await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
      await shot(page, name);
      expect(errors).toEqual([]);
      await ctx.close();
    }

    const { ctx, page } = await open(admin);
    await page.goto(`${app.url}/staff/settings/audit`);
    await page.getByLabel('Days (at least 30)').fill('10');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').filter({ hasText: 'at least 30 days' }).first().waitFor();
    expect((await app.db.selectFrom('firm').select('audit_retention_days').executeTakeFirstOrThrow()).audit_retention_days).toBe(400);
    await shot(page, 'settings-audit-error-1366.png');
    await page.getByLabel('Analysts may read the audit log').check();
    await page.getByLabel('Days (at least 30)').fill('90');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await app.db.selectFrom('firm').select(['analysts_read_audit', 'audit_retention_days']).executeTakeFirstOrThrow()).toEqual({
      analysts_read_audit: 1,
      audit_retention_days: 90,
    });
    await ctx.close();
  });
});

describe("a client Manager's Access log", () => {
  it('lists their own people only, filters by person and activity, at 1366 and 390 px', async () => {
    const { ctx, page, errors } = await open(manager);
    await page.goto(`${app.url}/portal`);
    await page.getByRole('navigation').getByRole('link', { name: 'Access log' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Access log' }).waitFor();
    await bodyRows(page).first().waitFor();
    const text = await page.getByTestId('audit-rows').textContent();
    expect(text).toContain('vic@northwind.test');
    expect(text).toContain('198.51.100.9'); // a failed sign-in on their own account
    for (const never of ['10.9.9.9', 'stranger@evil.test', 'bo@contoso.test', 'ada@acme.test']) expect(text).not.toContain(never);
    await shot(page, 'access-log-1366.png');

    await page.getByLabel('Activity').selectOption({ label: 'Reports' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => bodyRows(page).count()).toBe(3); // rep-42, and the two downloads the live tail test wrote
    expect(await page.getByTestId('audit-rows').textContent()).toContain('rep-42');
    expect(errors).toEqual([]);
    await ctx.close();

    const phone = await open(manager, PHONE);
    await phone.page.goto(`${app.url}/portal/access-log`);
    await bodyRows(phone.page).first().waitFor();
    await shot(phone.page, 'access-log-390.png');
    expect(phone.errors).toEqual([]);
    await phone.ctx.close();
  });

  it('is not offered to a Viewer, and the page sends them home', async () => {
    const { ctx, page } = await open(viewer);
    await page.goto(`${app.url}/portal/access-log`);
    await page.waitForURL(`${app.url}/portal`);
    expect(await page.getByRole('link', { name: 'Access log' }).count()).toBe(0);
    await ctx.close();
  });
});
