import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifact, signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { publishedFinding, remediationWorld } from '../support/remediation.js';

/**
 * Retest requests in Chromium: a client Manager asks for a retest of two findings from
 * /portal/retests; the analyst sees the request on the verification page and schedules it; the
 * Manager's open page shows "Scheduled" without a reload. A Viewer sees the list but no button.
 * Also: the Due column (overdue highlighted) of both findings tables, and the staff status
 * dialog offering only the allowed moves with the note required where the table says so.
 */
const t = useBrowserApp();
const DAY = 86_400_000;

const overflows = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

describe('retest requests in the browser', () => {
  it('a Manager requests a retest of two findings; staff schedule it; the Manager sees it live; a Viewer has no button', async () => {
    const w = await remediationWorld(t.app);
    const a = await publishedFinding(t.app, w.project, { title: 'Stored XSS in comments', severity: 'high' });
    const b = await publishedFinding(t.app, w.project, {
      title: 'Weak password policy',
      severity: 'medium',
      status: 'not_fixed',
      published_at: t.app.clock() - 120 * DAY,
    });
    await publishedFinding(t.app, w.project, { title: 'Accepted legacy cipher', severity: 'low', status: 'risk_accepted' });
    await publishedFinding(t.app, w.project, { title: 'Untouched open finding', severity: 'low' });

    const client = await (await signedInContext(t.browser, t.app.url, w.as.managerA)).newPage();
    const staff = await (await signedInContext(t.browser, t.app.url, w.as.analyst)).newPage();
    const errors = [...watchErrors(client), ...watchErrors(staff)];

    // The menu leads there; nothing requested yet.
    await client.goto(`${t.app.url}/portal`);
    await client.getByRole('link', { name: 'Retests', exact: true }).click();
    await client.getByRole('heading', { name: 'No retest requests yet' }).waitFor();

    // The dialog lists only the findings a retest may cover; sending nothing says what is missing.
    await client.getByRole('button', { name: 'Request a retest' }).click();
    const d = client.getByRole('dialog');
    const choices = d.getByTestId('retest-choices');
    await choices.getByText('Stored XSS in comments').waitFor();
    expect(await choices.getByText('Accepted legacy cipher').count()).toBe(0);
    expect(await choices.getByText('Overdue since').count()).toBe(1);
    await d.getByRole('button', { name: 'Request retest' }).click();
    await d.getByText('Choose at least one finding.').waitFor();
    // The firm is named by its name (one name for the firm's people), never "the security team".
    const firm = (await t.app.db.selectFrom('firm').select('name').executeTakeFirstOrThrow()).name;
    await d.getByText(`Required: tell ${firm} what changed.`).waitFor();
    expect(await t.app.db.selectFrom('retest_requests').select('id').execute()).toEqual([]);

    await d.getByLabel('Stored XSS in comments').check();
    await d.getByLabel('Weak password policy').check();
    await d.getByLabel(`Message to ${firm}`).fill('Both fixed in release 4.2, deployed to staging.');
    await client.screenshot({ path: artifact('retests-dialog.png') });
    await d.getByRole('button', { name: 'Request retest of 2 findings' }).click();
    await d.waitFor({ state: 'hidden' });
    await client.getByRole('status').filter({ hasText: 'Retest requested for 2 findings' }).waitFor();
    const card = client.getByTestId('retest').first();
    await card.getByTestId('retest-status').getByText('Requested').waitFor();
    await card.getByRole('link', { name: 'Stored XSS in comments' }).waitFor();
    expect(await card.getByRole('link', { name: 'Weak password policy' }).getAttribute('href')).toBe(`/portal/findings/${b.id}`);
    const row = await t.app.db.selectFrom('retest_requests').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ client_id: w.clientA.id, requested_by: w.managerA.id, status: 'requested' });
    for (const f of [a, b])
      expect((await t.app.db.selectFrom('findings').select('status').where('id', '=', f.id).executeTakeFirstOrThrow()).status).toBe('pending_verification');

    // Staff: both findings wait in the queue; the request is scheduled from the verification page.
    await staff.goto(`${t.app.url}/staff/verification`);
    await staff.getByTestId('queue').getByRole('link', { name: 'Stored XSS in comments' }).waitFor();
    await staff.getByTestId('queue').getByRole('link', { name: 'Weak password policy' }).waitFor();
    await staff.getByText('Both fixed in release 4.2, deployed to staging.').first().waitFor();
    await staff.getByLabel('Retest date').fill('2026-12-15');
    await staff.getByRole('button', { name: 'Schedule' }).click();
    // The request and each queue item it covers say so, the date in the viewer's words.
    await staff
      .getByText(/^Scheduled for .*15.*2026$/)
      .first()
      .waitFor();

    // The Manager's page follows without a reload.
    await card.getByTestId('retest-status').getByText('Scheduled').waitFor();
    expect(await card.getByTestId('retest-status').textContent()).toMatch(/Scheduled for .*2026/);
    await client.screenshot({ path: artifact('retests-manager-scheduled.png'), fullPage: true });
    await client.setViewportSize({ width: 390, height: 844 });
    await client.reload();
    await card.getByTestId('retest-status').getByText('Scheduled').waitFor();
    await client.screenshot({ path: artifact('retests-manager-390.png'), fullPage: true });
    expect(await overflows(client)).toBe(false);
    await client.getByRole('button', { name: 'Request a retest' }).click();
    await client.getByRole('dialog').getByTestId('retest-choices').waitFor();
    await client.screenshot({ path: artifact('retests-dialog-390.png') });
    await client.keyboard.press('Escape');

    // A Viewer reads the same list; no button, and the server refuses the request anyway.
    const viewer = await (await signedInContext(t.browser, t.app.url, w.as.viewerA)).newPage();
    errors.push(...watchErrors(viewer));
    await viewer.goto(`${t.app.url}/portal/retests`);
    await viewer.getByTestId('retest').first().getByRole('link', { name: 'Weak password policy' }).waitFor();
    expect(await viewer.getByRole('button', { name: 'Request a retest' }).count()).toBe(0);
    expect((await w.as.viewerA.post('/api/retests', { findingIds: [a.id], message: 'x' })).status).toBe(403);
    await viewer.screenshot({ path: artifact('retests-viewer.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('both findings tables show the due date with overdue highlighted; the staff status dialog offers only the allowed moves', async () => {
    const w = await remediationWorld(t.app);
    const late = await publishedFinding(t.app, w.project, { title: 'Overdue SQL injection', severity: 'critical', published_at: t.app.clock() - 20 * DAY });
    await publishedFinding(t.app, w.project, { title: 'Fresh finding', severity: 'medium' });
    await publishedFinding(t.app, w.project, { title: 'Closed finding', severity: 'high', status: 'closed' });

    const client = await (await signedInContext(t.browser, t.app.url, w.as.managerA)).newPage();
    const staff = await (await signedInContext(t.browser, t.app.url, w.as.analyst)).newPage();
    const errors = [...watchErrors(client), ...watchErrors(staff)];

    await client.goto(`${t.app.url}/portal/projects/${w.project.id}`);
    const lateRow = client.getByRole('row', { name: /Overdue SQL injection/ });
    await lateRow.getByTestId('overdue').waitFor();
    expect(
      await client
        .getByRole('row', { name: /Fresh finding/ })
        .getByTestId('overdue')
        .count(),
    ).toBe(0);
    expect(
      await client
        .getByRole('row', { name: /Closed finding/ })
        .getByRole('cell')
        .nth(3)
        .textContent(),
    ).toBe('—');
    await client.screenshot({ path: artifact('retests-portal-project-due.png'), fullPage: true });
    await client.setViewportSize({ width: 390, height: 844 });
    await lateRow.getByTestId('overdue').waitFor();
    await client.screenshot({ path: artifact('retests-portal-project-due-390.png'), fullPage: true });
    expect(await overflows(client)).toBe(false);

    await staff.goto(`${t.app.url}/staff/projects/${w.project.id}`);
    await staff
      .getByRole('row', { name: /Overdue SQL injection/ })
      .getByTestId('overdue')
      .waitFor();
    await staff.screenshot({ path: artifact('retests-staff-project-due.png'), fullPage: true });
    await staff.setViewportSize({ width: 390, height: 844 });
    await staff.screenshot({ path: artifact('retests-staff-project-due-390.png'), fullPage: true });
    expect(await overflows(staff)).toBe(false);
    await staff.setViewportSize({ width: 1280, height: 900 });

    // Staff status dialog: from Open only Pending verification, Risk accepted and Closed.
    await staff.goto(`${t.app.url}/staff/findings/${late.id}`);
    await staff.getByRole('button', { name: 'Change status' }).click();
    const d = staff.getByRole('dialog');
    await d.getByLabel('New status', { exact: true }).click();
    const options = staff.getByRole('option');
    await options.first().waitFor();
    expect(await options.allTextContents()).toEqual(['Pending verification', 'Risk accepted', 'Closed']);
    await staff.getByRole('option', { name: 'Pending verification', exact: true }).click();
    // Into Pending verification the note is required: the button waits for it.
    await d.getByLabel('Note (required)').waitFor();
    expect(await d.getByRole('button', { name: 'Change status' }).isDisabled()).toBe(true);
    await d.getByLabel('Note (required)').fill('The client patched it and told us by phone.');
    await staff.screenshot({ path: artifact('retests-status-dialog.png') });
    await d.getByRole('button', { name: 'Change status' }).click();
    await d.waitFor({ state: 'hidden' });
    expect((await t.app.db.selectFrom('findings').select('status').where('id', '=', late.id).executeTakeFirstOrThrow()).status).toBe('pending_verification');

    // From Pending verification the round is open: Change status offers no verdicts and names the round.
    await staff.getByRole('button', { name: 'Change status' }).click();
    await d
      .getByTestId('round-open')
      .filter({ hasText: /^Round 1 is open and waits for its verdict/ })
      .waitFor();
    expect(await d.getByLabel('New status', { exact: true }).count()).toBe(0);
    expect(await d.getByRole('button', { name: 'Change status' }).isDisabled()).toBe(true);
    await staff.keyboard.press('Escape');
    expect(errors).toEqual([]);
  });
});
