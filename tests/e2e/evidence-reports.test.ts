import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FindingRow, UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { artifact, launchBrowser, signedInContext, watchErrors as watch } from '../support/browser.js';
import { buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';
import { getBytes, tinyPdf } from '../support/evidence.js';

/**
 * In the browser: an analyst uploads a screenshot to a finding, draws a redaction rectangle with
 * the mouse, nudges it with the keyboard, saves and sees the redacted client copy; shares it;
 * then uploads report PDFs, publishes one, and meets a damaged report.
 */

let app: TestApp;
let browser: Browser;
let analyst: UserRow;
let finding: FindingRow;

/** A fake "screenshot" with a secret on it, so the redaction is visible in the screenshots. */
function screenshotPng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="600">
    <rect width="960" height="600" fill="#f2f4f7"/><rect x="180" y="90" width="600" height="420" rx="12" fill="#fff" stroke="#d0d5dd"/>
    <text x="230" y="170" font-family="sans-serif" font-size="34" fill="#101828">Router admin</text>
    <text x="230" y="250" font-family="sans-serif" font-size="24" fill="#475467">user: admin</text>
    <text x="230" y="310" font-family="sans-serif" font-size="24" fill="#b42318">password: hunter2-Secret!</text>
    <rect x="230" y="380" width="220" height="56" rx="8" fill="#1e3a5f"/><text x="290" y="417" font-family="sans-serif" font-size="22" fill="#fff">Sign in</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
  analyst = await buildStaff(app.db, { name: 'Sam Analyst' });
  finding = await buildFinding(app.db, { title: 'Default credentials on the router', published: true });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A browser context signed in as `user`. */
const contextFor = async (user: UserRow, viewport = { width: 1280, height: 900 }) => signedInContext(browser, app.url, await signIn(app, user), { viewport });

describe('evidence and reports in the browser', () => {
  it('uploads an image, redacts it with the mouse and keyboard, saves, and previews the client copy', async () => {
    const ctx = await contextFor(analyst);
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.goto(`${app.url}/staff/findings/${finding.id}/evidence`);
    await page.getByRole('heading', { level: 1, name: 'Evidence' }).waitFor();
    await page.getByText('No evidence yet.').waitFor();
    expect(await page.title()).toContain('Default credentials on the router');

    await page.setInputFiles(`#evidence-file-${finding.id}`, { name: 'router-login.png', mimeType: 'image/png', buffer: await screenshotPng() });
    await page.getByRole('heading', { level: 3, name: 'router-login.png' }).waitFor();
    await page.getByText('Image · 960 × 600').waitFor();
    await page.screenshot({ path: artifact('evidence-uploaded.png'), fullPage: true });

    // Draw over the password with the mouse.
    await page.getByRole('button', { name: 'Redact' }).click();
    const img = page.getByRole('img', { name: 'Original of router-login.png' });
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(960);
    const box = (await img.boundingBox())!;
    const at = (x: number, y: number) => ({ x: box.x + (x / 960) * box.width, y: box.y + (y / 600) * box.height });
    const from = at(222, 282);
    const to = at(560, 322);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    await page.getByRole('button', { name: /^Rectangle 1:/ }).waitFor();
    await page.getByText('Unsaved changes').waitFor();

    // The keyboard: widen the selected rectangle to the right (Shift + arrow).
    const before = await page.getByRole('button', { name: /^Rectangle 1:/ }).textContent();
    await page.getByRole('application').focus();
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    expect(await page.getByRole('button', { name: /^Rectangle 1:/ }).textContent()).not.toBe(before);
    await page.screenshot({ path: artifact('evidence-redaction-drawn.png'), fullPage: true });

    await page.getByRole('button', { name: 'Save redactions' }).click();
    await page
      .getByText(/^Saved\. 1 area burned into the client copy\./)
      .last()
      .waitFor();
    const preview = page.getByRole('img', { name: 'Client copy of router-login.png, redactions burned in' });
    await expect.poll(() => preview.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBe(960);
    await preview.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('evidence-redacted-preview.png'), fullPage: true });

    // What was saved is what the client copy shows: every pixel of the rectangle is black.
    const row = await app.db.selectFrom('evidence').selectAll().where('finding_id', '=', finding.id).executeTakeFirstOrThrow();
    const [rect] = JSON.parse(row.redactions) as { x: number; y: number; w: number; h: number }[];
    // Where the mouse drew it (±3 px of the drag start), widened by the two Shift+→ steps of 10 px.
    expect(Math.abs(rect!.x - 222)).toBeLessThanOrEqual(3);
    expect(Math.abs(rect!.y - 282)).toBeLessThanOrEqual(3);
    expect(Math.abs(rect!.w - (338 + 20))).toBeLessThanOrEqual(4);
    const copy = await getBytes(app, await signIn(app, analyst), `/api/evidence/${row.id}/file`);
    const { data, info } = await sharp(copy.bytes).raw().toBuffer({ resolveWithObject: true });
    for (let y = rect!.y; y < rect!.y + rect!.h; y += 3) {
      for (let x = rect!.x; x < rect!.x + rect!.w; x += 3) expect(data[(y * info.width + x) * info.channels]).toBe(0);
    }

    // Share it with the client, and type a caption while the page is still reloading after the
    // switch: the reload brings the new sharing state and must not throw the typed caption away.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const listUrl = `**/api/findings/${finding.id}/evidence`;
    await page.route(listUrl, async (route) => {
      await held;
      await route.continue();
    });
    const reloaded = page.waitForResponse((r) => r.url().endsWith(`/api/findings/${finding.id}/evidence`));
    await page.getByRole('switch', { name: 'Share with client' }).click();
    await expect.poll(async () => (await app.db.selectFrom('evidence').select('shared').where('id', '=', row.id).executeTakeFirstOrThrow()).shared).toBe(1);
    await page.getByLabel('Caption').fill('Admin login with default credentials');
    release();
    await reloaded;
    await page.unroute(listUrl);
    await expect.poll(() => page.getByLabel('Caption').inputValue()).toBe('Admin login with default credentials');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(async () => (await app.db.selectFrom('evidence').select('caption').where('id', '=', row.id).executeTakeFirstOrThrow()).caption)
      .toBe('Admin login with default credentials');

    // A refused upload says why.
    await page.setInputFiles(`#evidence-file-${finding.id}`, {
      name: 'notes.png',
      mimeType: 'image/png',
      buffer: Buffer.from('just text pretending to be a picture'),
    });
    await page.getByText(/Not uploaded: The file name ends in \.png, but the file is plain text/).waitFor();
    await page.getByRole('button', { name: 'Hide redaction' }).click();
    await page.screenshot({ path: artifact('evidence-shared-refused-upload.png'), fullPage: true });

    // Phone width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('evidence-390.png'), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('uploads report PDFs as versions, publishes one, and shows a damaged file', async () => {
    const ctx = await contextFor(analyst);
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.goto(`${app.url}/staff/projects/${finding.project_id}/reports`);
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    await page.getByText('No reports yet.').waitFor();

    for (const text of ['first draft', 'final']) {
      await page.getByLabel('Title').fill('External penetration test report');
      await page.setInputFiles('#report-file', { name: `contoso-pentest-${text.replace(' ', '-')}.pdf`, mimeType: 'application/pdf', buffer: tinyPdf(text) });
      await page.getByRole('button', { name: 'Upload report' }).click();
      await page.getByText(/^Uploaded “External penetration test report” version \d/).waitFor();
    }
    await page.getByText('v2', { exact: true }).waitFor();
    await page.getByText('v1', { exact: true }).waitFor();
    await page.getByText('This will be version 3.').waitFor();
    await page.getByLabel('Title').fill('Retest report');
    await page.getByText('This will be version 1.').waitFor();

    // A text file with a .pdf name is refused with the server's reason.
    await page.getByLabel('Title').fill('Not a report');
    await page.setInputFiles('#report-file', { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('plain words') });
    await page.getByRole('button', { name: 'Upload report' }).click();
    await page.getByText('Reports must be PDF files.').waitFor();

    // Publish version 2.
    const rows = await app.db.selectFrom('reports').selectAll().orderBy('version', 'desc').execute();
    await page.locator(`#report-${rows[0]!.id}-published`).click();
    await expect
      .poll(async () => (await app.db.selectFrom('reports').select('published').where('id', '=', rows[0]!.id).executeTakeFirstOrThrow()).published)
      .toBe(1);
    await page.screenshot({ path: artifact('reports-versions.png'), fullPage: true });

    // Version 1's stored bytes are altered: the download is refused, and the list shows the badge.
    await writeFile(path.join(app.config.uploadsDir, rows[1]!.file), tinyPdf('tampered'));
    await page.getByRole('button', { name: /^Download: External penetration test report, version 1/ }).click();
    await page.getByText('The report file is damaged; your provider has been told.').waitFor();
    // The list reloads at once and shows the flag the server just set.
    await page.getByText('Damaged', { exact: true }).waitFor();
    await page.screenshot({ path: artifact('reports-damaged-refused.png'), fullPage: true });
    await page.reload();
    await page.getByText('Damaged', { exact: true }).waitFor();
    await page.screenshot({ path: artifact('reports-damaged.png'), fullPage: true });

    // A good version downloads as a file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /^Download: External penetration test report, version 2/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('contoso-pentest-final.pdf');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('reports-390.png'), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
