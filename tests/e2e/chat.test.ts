import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { artifact, signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';

/**
 * Issue 5 item 5 in Chromium, two people side by side: a client Collaborator and an analyst in the
 * client's chat channel. Presence and typing show on the other page; an image goes each way and
 * appears live, with its thumbnail, on the other person's page; the analyst's channel list counts
 * the unread message live. Screenshots at desktop width and at 390 px.
 */
const t = useBrowserApp();

const picture = (colour: string, label: string) =>
  sharp({ create: { width: 640, height: 400, channels: 3, background: colour } })
    .composite([
      { input: Buffer.from(`<svg width="640" height="400"><text x="40" y="220" font-size="64" fill="white">${label}</text></svg>`), left: 0, top: 0 },
    ])
    .png()
    .toBuffer();

/** The thumbnail of `name` is shown and really loaded (not a broken image). */
async function thumbnailLoaded(page: Page, name: string): Promise<void> {
  const img = page.getByRole('img', { name: `Image ${name}` });
  await img.waitFor({ timeout: 10_000 });
  await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), { timeout: 10_000 }).toBe(true);
}

async function attachAndSend(page: Page, file: { name: string; buffer: Buffer }, text: string): Promise<void> {
  await page.locator('#chat-file').setInputFiles({ name: file.name, mimeType: 'image/png', buffer: file.buffer });
  await page.getByText('Ready').waitFor({ timeout: 10_000 });
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

describe('the client chat channel', () => {
  it('shares an image both ways live, with presence, typing and unread counts', async () => {
    const client = await buildClient(t.app.db, { name: 'Contoso' });
    const analyst = await buildStaff(t.app.db, { name: 'Ana Analyst' });
    const casey = await buildPortalUser(t.app.db, { client_id: client.id, name: 'Casey Client', role: 'collaborator' });
    const staffCtx = await signedInContext(t.browser, t.app.url, await signIn(t.app, analyst));
    const userCtx = await signedInContext(t.browser, t.app.url, await signIn(t.app, casey));
    const staff = await staffCtx.newPage();
    const user = await userCtx.newPage();
    const staffErrors = watchErrors(staff);
    const userErrors = watchErrors(user);

    // The analyst watches the channel list; the client opens the chat from the menu.
    await staff.goto(`${t.app.url}/staff/chat`);
    await staff.getByRole('link', { name: 'Contoso' }).waitFor();
    await staff.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await user.goto(`${t.app.url}/portal`);
    await user.getByRole('link', { name: 'Chat' }).click();
    await user.waitForURL('**/portal/chat');
    await user.getByText('No messages yet.').waitFor();
    await user.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    // A first message counts as unread on the analyst's list, live.
    const box = user.getByRole('textbox', { name: 'Message' });
    await box.fill('Hello, quick question about the VPN finding.');
    await box.press('Enter');
    await user.getByText('Hello, quick question about the VPN finding.').waitFor();
    await staff.getByRole('link', { name: 'Contoso, 1 unread' }).waitFor({ timeout: 10_000 });
    await staff.screenshot({ path: artifact('chat-staff-list.png') });

    // The analyst opens the channel: both see each other present.
    await staff.getByRole('link', { name: 'Contoso, 1 unread' }).click();
    await staff.waitForURL(`**/staff/chat/${client.id}`);
    await staff.getByText('Hello, quick question about the VPN finding.').waitFor();
    await staff.getByRole('separator', { name: 'New messages' }).waitFor();
    await staff.getByText('In the channel now: Casey Client').waitFor({ timeout: 10_000 });
    await user.getByText('In the channel now: Ana Analyst').waitFor({ timeout: 10_000 });

    // Typing shows on the other page.
    await box.pressSequentially('Here is', { delay: 30 });
    await staff.getByText('Casey Client is typing…').waitFor({ timeout: 10_000 });

    // The client shares a screenshot; the analyst sees it live with its thumbnail.
    await box.fill('');
    await attachAndSend(user, { name: 'vpn-login.png', buffer: await picture('#b42318', 'Client') }, 'Here is what we see after the patch.');
    await staff.getByText('Here is what we see after the patch.').waitFor({ timeout: 10_000 });
    await thumbnailLoaded(staff, 'vpn-login.png');
    await thumbnailLoaded(user, 'vpn-login.png');

    // The analyst answers with an image of their own; it appears live on the client's page.
    await attachAndSend(staff, { name: 'retest.png', buffer: await picture('#1e3a5f', 'Analyst') }, 'Thanks — our retest shows the same, it is **fixed**.');
    await user.getByText('our retest shows the same').waitFor({ timeout: 10_000 });
    await thumbnailLoaded(user, 'retest.png');
    await thumbnailLoaded(staff, 'retest.png');
    // The thumbnail opens the full image.
    const href = await user.getByRole('link', { name: /Open retest\.png/ }).getAttribute('href');
    expect(href).toMatch(/^\/api\/attachments\/[0-9a-f-]{36}$/);
    const full = await user.request.get(`${t.app.url}${href}`);
    expect(full.status()).toBe(200);
    expect((await sharp(await full.body()).metadata()).width).toBe(640);

    await user.screenshot({ path: artifact('chat-portal-desktop.png') });
    await staff.screenshot({ path: artifact('chat-staff-desktop.png') });

    // Typed while offline: shown as waiting, sent once the connection is back (once).
    await userCtx.setOffline(true);
    await user
      .getByRole('status')
      .filter({ hasText: /Offline|Reconnecting/ })
      .waitFor({ timeout: 10_000 });
    await box.fill('Written on the train, no signal.');
    await box.press('Enter');
    await user.getByText('Waiting for the connection — will send when back online').waitFor();
    await user.screenshot({ path: artifact('chat-portal-offline.png') });
    await userCtx.setOffline(false);
    await staff.getByText('Written on the train, no signal.').waitFor({ timeout: 20_000 });
    await user.getByText('Waiting for the connection').waitFor({ state: 'detached', timeout: 10_000 });

    // The analyst deletes their own message: the client's page shows the tombstone live.
    await staff.getByRole('button', { name: 'Actions for your message' }).click();
    await staff.getByRole('menuitem', { name: 'Delete' }).click();
    await staff.getByRole('alertdialog').getByRole('button', { name: 'Delete message' }).click();
    await user.getByText('This message was deleted.').waitFor({ timeout: 10_000 });
    expect(await user.getByRole('img', { name: 'Image retest.png' }).count()).toBe(0);
    expect((await user.request.get(`${t.app.url}${href}`)).status()).toBe(404);
    await user.setViewportSize({ width: 390, height: 844 });
    await staff.setViewportSize({ width: 390, height: 844 });
    await user.getByText('Written on the train, no signal.').scrollIntoViewIfNeeded();
    await user.screenshot({ path: artifact('chat-portal-390.png') });
    await staff.screenshot({ path: artifact('chat-staff-390.png') });
    await staff.goto(`${t.app.url}/staff/chat`);
    await staff.getByRole('link', { name: 'Contoso' }).waitFor();
    await staff.screenshot({ path: artifact('chat-staff-list-390.png') });

    expect(await t.app.db.selectFrom('chat_messages').select('id').where('client_id', '=', client.id).execute()).toHaveLength(4);
    expect(staffErrors).toEqual([]);
    // The only error allowed is the browser's own report of reconnection attempts while the network was cut.
    expect(userErrors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
    await staffCtx.close();
    await userCtx.close();
  });
});
