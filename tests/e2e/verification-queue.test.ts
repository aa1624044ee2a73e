import { describe, expect, it } from 'vitest';
import { artifact, signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { publishedFinding, remediationWorld } from '../support/remediation.js';

/**
 * Issue 18, point 14 in Chromium: a finding waiting for verification is in the queue once, with
 * its retest request attached; while its round is open, Change status offers no verdicts and
 * names the round; the verdict dialog is titled with the round, and its verdict empties the queue.
 */
const t = useBrowserApp();

describe('verification queue and verdicts', () => {
  it('lists the finding once with its retest request; Change status names the open round; the verdict dialog names it too', async () => {
    const w = await remediationWorld(t.app);
    const f = await publishedFinding(t.app, w.project, { title: 'Outdated OpenSSH on the bastion' });
    expect((await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Upgraded OpenSSH to 9.8p1.' })).status).toBe(200);
    expect((await w.as.managerA.post('/api/retests', { findingIds: [f.id], message: 'Please retest before the board meeting.' })).status).toBe(201);

    const ctx = await signedInContext(t.browser, t.app.url, w.as.analyst, { viewport: { width: 1366, height: 900 } });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/staff/verification`);
    const queue = page.getByTestId('queue');
    await queue.waitFor();
    const items = queue.getByRole('listitem').filter({ hasText: 'Outdated OpenSSH on the bastion' });
    expect(await items.count()).toBe(1);
    await items.getByTestId('queue-retest').filter({ hasText: 'Please retest before the board meeting.' }).waitFor();
    await items.getByText('Requested').waitFor();
    await page.screenshot({ path: artifact('verification-queue-1366.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('verification-queue-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });

    // Change status while round 1 is open: no verdicts, the round named.
    await items.getByRole('link', { name: 'Outdated OpenSSH on the bastion' }).click();
    await page.getByRole('heading', { level: 1, name: 'Outdated OpenSSH on the bastion' }).waitFor();
    await page.getByRole('button', { name: 'Change status' }).click();
    const status = page.getByRole('dialog', { name: 'Change status' });
    await status
      .getByTestId('round-open')
      .filter({ hasText: /^Round 1 is open and waits for its verdict/ })
      .waitFor();
    expect(await status.getByLabel('New status', { exact: true }).count()).toBe(0);
    await page.keyboard.press('Escape');
    await status.waitFor({ state: 'hidden' });

    // The verdict dialog is titled with its round.
    await page.getByRole('button', { name: 'Give verdict' }).click();
    const verdict = page.getByRole('dialog', { name: 'Verdict on round 1' });
    await verdict.waitFor();
    await page.screenshot({ path: artifact('verdict-dialog-1366.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('verdict-dialog-390.png') });
    await page.setViewportSize({ width: 1366, height: 900 });
    await verdict.getByRole('button', { name: 'Save verdict' }).click();
    await verdict.waitFor({ state: 'hidden' });
    const round = await t.app.db.selectFrom('remediation_rounds').select(['round_no', 'verdict']).where('finding_id', '=', f.id).executeTakeFirstOrThrow();
    expect(round).toEqual({ round_no: 1, verdict: 'verified_fixed' });

    await page.goto(`${t.app.url}/staff/verification`);
    await page.getByText('Nothing waits for verification.').waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  }, 90_000);
});
