import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifact, signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildProject } from '../support/workspace.js';

/**
 * Issue 18, point 4 in Chromium: the Chat menu item carries a live count of channels with unread
 * messages (chat notifications), on the staff side (staff on one of the client's project teams)
 * and the portal side, with no reload; reading the channel clears it.
 */
const t = useBrowserApp();

const chatLink = (page: Page) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Chat/ });
const badgeOf = async (page: Page) =>
  (await chatLink(page).getByTestId('nav-badge').count()) ? await chatLink(page).getByTestId('nav-badge').innerText() : null;

describe('the Chat badge', () => {
  it('counts channels with unread messages live on both sides, and reading clears it', async () => {
    const client = await buildClient(t.app.db, { name: 'Contoso' });
    const analyst = await buildStaff(t.app.db, { name: 'Ana Analyst' });
    // Staff hear of a client's chat when they are on the team of one of its projects.
    await buildProject(t.app.db, { client_id: client.id, name: 'External test', team: [analyst.id] });
    const casey = await buildPortalUser(t.app.db, { client_id: client.id, name: 'Casey Client', role: 'collaborator' });
    const viewport = { width: 1366, height: 900 };
    const staff = await (await signedInContext(t.browser, t.app.url, await signIn(t.app, analyst), { viewport })).newPage();
    const user = await (await signedInContext(t.browser, t.app.url, await signIn(t.app, casey), { viewport })).newPage();
    const errors = [...watchErrors(staff), ...watchErrors(user)];

    // The analyst is elsewhere (Clients); the client writes twice in their channel.
    await staff.goto(`${t.app.url}/staff/clients`);
    await staff.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    expect(await badgeOf(staff)).toBeNull();
    await user.goto(`${t.app.url}/portal/chat`);
    await user.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const box = user.getByRole('textbox', { name: 'Message' });
    await box.fill('Is the VPN retest still on for Friday?');
    await box.press('Enter');
    await chatLink(staff).getByTestId('nav-badge').waitFor({ timeout: 10_000 });
    expect(await badgeOf(staff)).toMatch(/^1\s*channel with unread messages$/);
    expect(await chatLink(staff).getAttribute('href')).toBe('/staff/chat');
    await box.fill('And can we add the new office range?');
    await box.press('Enter');
    await user.getByText('And can we add the new office range?').waitFor();
    // Still one channel.
    await expect.poll(() => badgeOf(staff)).toMatch(/^1\s*channel/);
    await staff.screenshot({ path: artifact('chat-badge-staff-1366.png') });

    // The analyst opens the channel: the badge goes, live, without a reload.
    await chatLink(staff).click();
    await staff.getByRole('link', { name: 'Contoso, 2 unread' }).click();
    await staff.getByText('And can we add the new office range?').waitFor();
    await expect.poll(() => badgeOf(staff)).toBeNull();

    // The client has gone to Home; the analyst answers: the portal's Chat item counts it.
    await user.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await user.waitForURL((u) => u.pathname === '/portal');
    const reply = staff.getByRole('textbox', { name: 'Message' });
    await reply.fill('Yes, Friday 10:00. Send the range here.');
    await reply.press('Enter');
    await chatLink(user).getByTestId('nav-badge').waitFor({ timeout: 10_000 });
    expect(await badgeOf(user)).toMatch(/^1\s*channel with unread messages$/);
    await user.setViewportSize({ width: 390, height: 844 });
    await user.getByRole('button', { name: 'Menu' }).click();
    await chatLink(user).getByTestId('nav-badge').waitFor();
    await user.screenshot({ path: artifact('chat-badge-portal-390.png') });
    await chatLink(user).click();
    await user.getByText('Yes, Friday 10:00. Send the range here.').waitFor();
    await expect.poll(() => badgeOf(user)).toBeNull();
    expect(errors).toEqual([]);
  });
});
