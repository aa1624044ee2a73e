import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifact, signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { smallPng } from '../support/images.js';
import { publishedFinding, remediationWorld } from '../support/remediation.js';

/**
 * The remediation loop in Chromium, side by side: a client Manager and an analyst each have the
 * finding open; every submission and verdict one makes appears on the other's page live (no
 * reload). Then the dashboards, the verification queue and phone-width screenshots.
 */
const t = useBrowserApp();
const DAY = 86_400_000;

const panel = (p: Page) => p.getByTestId('remediation');
const rounds = (p: Page) => panel(p).getByTestId('round');

async function submit(p: Page, notes: string, file?: { name: string; bytes: Buffer }) {
  await panel(p).getByRole('button', { name: 'Mark as remediated' }).click();
  const d = p.getByRole('dialog');
  await d.getByLabel('What was fixed').fill(notes);
  if (file) {
    await d.locator('input[type=file]').setInputFiles({ name: file.name, mimeType: 'image/png', buffer: file.bytes });
    await d.getByText(file.name).waitFor();
  }
  await d.getByRole('button', { name: 'Send for verification' }).click();
  await d.waitFor({ state: 'hidden' });
}

async function verdict(p: Page, label: string, notes: string) {
  await panel(p).getByRole('button', { name: 'Give verdict' }).click();
  const d = p.getByRole('dialog');
  await d.getByLabel(label).check();
  if (notes) await d.getByRole('textbox').fill(notes);
  await d.getByRole('button', { name: 'Save verdict' }).click();
  await d.waitFor({ state: 'hidden' });
}

describe('remediation side by side', () => {
  it('a client Manager and an analyst run the loop, each seeing the other’s change live', async () => {
    const w = await remediationWorld(t.app);
    const f = await publishedFinding(t.app, w.project, { title: 'Unrestricted file upload', severity: 'critical' });
    // Another finding, long past its deadline, for the overdue counters.
    await publishedFinding(t.app, w.project, { title: 'Outdated TLS configuration', severity: 'high', published_at: t.app.clock() - 45 * DAY });

    const client = await (await signedInContext(t.browser, t.app.url, w.as.managerA)).newPage();
    const staff = await (await signedInContext(t.browser, t.app.url, w.as.analyst)).newPage();
    const errors = [...watchErrors(client), ...watchErrors(staff)];
    await client.goto(`${t.app.url}/portal/findings/${f.id}`);
    await staff.goto(`${t.app.url}/staff/findings/${f.id}`);
    await panel(client).getByTestId('due').waitFor();
    await panel(staff).getByTestId('due').waitFor();
    expect(await panel(client).getByTestId('due').textContent()).toContain('Due');

    // Round 1: the Manager sends a fix with a screenshot; the analyst's open page shows it waiting.
    await submit(client, 'Uploads now go through an allowlist of types.', { name: 'after-fix.png', bytes: await smallPng() });
    await panel(staff).getByText('Round 1 is waiting for your verdict.').waitFor();
    await rounds(staff).first().getByText('after-fix.png').waitFor();
    await panel(client).getByText('Round 1 is waiting for verification').waitFor();
    expect(await panel(client).getByTestId('due').textContent()).toContain('paused');
    await staff.screenshot({ path: artifact('remediation-staff-waiting.png'), fullPage: true });

    // Not fixed → the client's page shows the verdict live; the Manager resubmits.
    await verdict(staff, 'Not fixed', 'SVG files with scripts are still accepted.');
    await rounds(client).first().getByText('Not fixed').waitFor();
    await rounds(client).first().getByText('SVG files with scripts are still accepted.').waitFor();
    await submit(client, 'SVG is now rejected as well.');
    await panel(staff).getByText('Round 2 is waiting for your verdict.').waitFor();

    await verdict(staff, 'Partially fixed', 'SVG rejected, but polyglot PDFs pass.');
    await rounds(client).nth(1).getByText('Partially fixed').waitFor();
    await submit(client, 'PDFs are re-rendered server-side now.');
    await panel(staff).getByText('Round 3 is waiting for your verdict.').waitFor();

    await verdict(staff, 'Verified fixed', '');
    await rounds(client).nth(2).getByText('Verified fixed').waitFor();
    for (const p of [client, staff]) {
      await expect.poll(() => rounds(p).count()).toBe(3); // a page may still be reloading after the verdict
      expect(
        await panel(p)
          .getByRole('button', { name: /Mark as remediated|Give verdict/ })
          .count(),
      ).toBe(0);
    }
    // The page's own status badge followed too (onChange reloaded it).
    await client.locator('header').getByText('Verified fixed').waitFor();
    await client.screenshot({ path: artifact('remediation-client-verified.png'), fullPage: true });
    await staff.screenshot({ path: artifact('remediation-staff-verified.png'), fullPage: true });

    // Dashboards: the client's overdue count and list; the staff home and the queue.
    await client.goto(`${t.app.url}/portal`);
    await client.getByTestId('overdue-count').getByText('1', { exact: true }).waitFor();
    await client.getByRole('region', { name: 'Overdue findings' }).getByRole('link', { name: 'Outdated TLS configuration' }).waitFor();
    await client.screenshot({ path: artifact('remediation-portal-dashboard.png'), fullPage: true });

    await staff.goto(`${t.app.url}/staff`);
    await staff.getByTestId('overdue-list').getByText('Outdated TLS configuration').waitFor();
    await staff.screenshot({ path: artifact('remediation-staff-home.png'), fullPage: true });

    // The queue fills live while the analyst looks at it.
    const g = await publishedFinding(t.app, w.project, { title: 'Verbose error pages' });
    await staff.goto(`${t.app.url}/staff/verification`);
    await staff.getByText('Nothing waits for verification').waitFor();
    // "While the analyst looks at it": the page is live (a page's first subscription starts at the
    // feed's position then, so a change made before it is not replayed).
    await staff.locator('[data-state="live"]').first().waitFor({ state: 'attached' });
    expect((await w.as.managerA.post(`/api/findings/${g.id}/remediation/submit`, { notes: 'Errors are generic now.' })).status).toBe(200);
    await staff.getByTestId('queue').getByRole('link', { name: 'Verbose error pages' }).waitFor();
    await staff.screenshot({ path: artifact('remediation-queue.png'), fullPage: true });

    // Phone width, both sides.
    await client.setViewportSize({ width: 390, height: 844 });
    await staff.setViewportSize({ width: 390, height: 844 });
    await client.goto(`${t.app.url}/portal/findings/${f.id}`);
    await rounds(client).nth(2).waitFor();
    await panel(client).scrollIntoViewIfNeeded();
    await client.screenshot({ path: artifact('remediation-client-390.png'), fullPage: true });
    await staff.screenshot({ path: artifact('remediation-queue-390.png'), fullPage: true });
    const overflow = await client.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    expect(overflow).toBe(false);
    expect(errors).toEqual([]);
  });
});
