import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifact, signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { signIn } from '../support/factories.js';
import { buildCommentWorld, notificationsOf } from '../support/comments.js';

/**
 * Two Chromium contexts side by side: a client Collaborator on the portal finding page and an
 * analyst on the staff finding page. The client mentions the analyst through the autocomplete,
 * the analyst's open page shows it live; the analyst's internal note never shows on the client's
 * page; the analyst's reply arrives live on the client's page.
 */

const t = useBrowserApp();

const discussion = (page: Page) => page.locator('section.discussion');
const comment = (page: Page, text: string) => discussion(page).locator('article.comment', { hasText: text });

describe('finding discussion in the browser', () => {
  it('a client Collaborator mentions an analyst, who sees it live and replies live; internal notes stay with staff', async () => {
    const { app, browser } = t;
    const w = await buildCommentWorld(app.db);
    const staffCtx = await signedInContext(browser, app.url, await signIn(app, w.analyst));
    const clientCtx = await signedInContext(browser, app.url, await signIn(app, w.collaboratorA));
    staffCtx.setDefaultTimeout(10_000);
    clientCtx.setDefaultTimeout(10_000);
    const staff = await staffCtx.newPage();
    const client = await clientCtx.newPage();
    const staffErrors = watchErrors(staff);
    const clientErrors = watchErrors(client);

    await staff.goto(`${app.url}/staff/findings/${w.findingA.id}`);
    await discussion(staff).getByText('No comments yet.').waitFor();
    await client.goto(`${app.url}/portal/findings/${w.findingA.id}`);
    await discussion(client).getByText('No comments yet.').waitFor();
    // Presence: each page shows the other person.
    await discussion(staff).getByText(`Also here: ${w.collaboratorA.name}`).waitFor();
    await discussion(client).getByText(`Also here: ${w.analyst.name}`).waitFor();

    // The client types, mentions the analyst with the keyboard through the autocomplete, and sends.
    const box = client.getByRole('combobox', { name: 'Add a comment' });
    await box.click();
    await box.pressSequentially('Could @Ana');
    const list = client.getByRole('listbox', { name: 'People to mention' });
    await list.getByRole('option', { name: new RegExp(w.analyst.name) }).waitFor();
    // Matches at the start of a word of the name ("Ana…", "…Analyst"), never yourself or another client's people.
    expect(await list.getByRole('option').locator('.name').allTextContents()).toEqual([w.analyst.name, w.analyst2.name]);
    await box.press('ArrowDown');
    expect(await list.getByRole('option', { selected: true }).locator('.name').textContent()).toBe(w.analyst2.name);
    await box.press('ArrowUp');
    expect(await list.getByRole('option', { selected: true }).locator('.name').textContent()).toBe(w.analyst.name);
    await discussion(client).screenshot({ path: artifact('comments-mention-listbox.png') });
    expect(await box.getAttribute('aria-activedescendant')).toBeTruthy();
    // The analyst sees the client typing.
    await discussion(staff).getByText(`${w.collaboratorA.name} is typing…`).waitFor();
    await client.keyboard.press('Enter');
    await box.pressSequentially('please check the **fix** on staging?');
    expect(await box.inputValue()).toBe(`Could @${w.analyst.name} please check the **fix** on staging?`);
    await client.screenshot({ path: artifact('comments-client-composing.png'), fullPage: true });
    await client.getByRole('button', { name: 'Comment', exact: true }).click();

    // Live on the analyst's open page: the mention highlighted, the markdown rendered.
    const arrived = comment(staff, 'please check the');
    await arrived.waitFor();
    expect(await arrived.locator('.mention').textContent()).toBe(`@${w.analyst.name}`);
    expect(await arrived.locator('strong').textContent()).toBe('fix');
    // Staff see the client author's organisation beside the name; the client sees no badge on their own.
    expect(await arrived.getByTestId('author-badge').textContent()).toBe(w.a.name);
    expect(await comment(client, 'please check the').getByTestId('author-badge').count()).toBe(0);
    await comment(client, 'please check the').waitFor();
    expect(await box.inputValue()).toBe('');
    // The mention is a notification row for the analyst, linking to the staff page — already read:
    // they have this finding open in a visible tab, so it is no unread item (issue 18, point 3).
    const mention = async () => (await notificationsOf(app.db, w.analyst.id)).find((x) => x.kind === 'mention');
    await expect.poll(async () => (await mention())?.read_at ?? null).not.toBeNull();
    expect(await mention()).toMatchObject({ link: `/staff/findings/${w.findingA.id}`, actor_id: w.collaboratorA.id });
    // …and the analyst's bell counts nothing unread (nothing was pushed to it).
    await staff.getByRole('button', { name: 'Notifications, none unread' }).waitFor();

    // The analyst writes an internal note (never on the client's page), then replies to the client.
    await discussion(staff).getByRole('switch', { name: 'Internal note' }).click();
    const note = staff.getByRole('combobox', { name: 'Internal note (staff only)' });
    await note.fill('INTERNAL-ONLY the fix is only on staging');
    await staff.getByRole('button', { name: 'Add note' }).click();
    await comment(staff, 'INTERNAL-ONLY').getByText('Internal note').waitFor();
    await discussion(staff).getByRole('switch', { name: 'Internal note' }).click();
    const reply = staff.getByRole('combobox', { name: 'Add a comment' });
    await reply.fill('Thanks — retesting this afternoon.');
    await reply.press('Control+Enter');
    await comment(client, 'retesting this afternoon').waitFor();
    expect(await discussion(client).textContent()).not.toContain('INTERNAL-ONLY');
    // The firm's people carry the firm's name on the client's page (one name for the firm's side).
    const firm = await app.db.selectFrom('firm').select('name').executeTakeFirstOrThrow();
    expect(await comment(client, 'retesting this afternoon').getByTestId('author-badge').textContent()).toBe(firm.name);
    expect(await comment(staff, 'retesting this afternoon').getByTestId('author-badge').count()).toBe(0);
    await staff.screenshot({ path: artifact('comments-staff-desktop.png'), fullPage: true });
    await client.screenshot({ path: artifact('comments-client-desktop.png'), fullPage: true });

    // The client edits their comment (edited marker live on the analyst's page).
    await comment(client, 'please check the').getByRole('button', { name: 'Edit' }).click();
    const edit = client.getByRole('combobox', { name: 'Edit your comment' });
    expect(await edit.inputValue()).toBe(`Could @${w.analyst.name} please check the **fix** on staging?`);
    await edit.fill(`Could @${w.analyst.name} please check the fix on staging today?`);
    await client.getByRole('button', { name: 'Save' }).click();
    await comment(staff, 'staging today?').getByText('(edited)').waitFor();
    expect(await comment(staff, 'staging today?').locator('.mention').count()).toBe(1);

    // Share the internal note: it appears live on the client's page.
    await comment(staff, 'INTERNAL-ONLY').getByRole('button', { name: 'Share with client' }).click();
    await staff.getByRole('alertdialog').getByRole('button', { name: 'Share with client' }).click();
    await comment(client, 'INTERNAL-ONLY').waitFor();

    // Typed while offline: queued on the page, sent once back (the same client message id, once).
    await clientCtx.setOffline(true);
    await client.locator('[data-state="offline"]').first().waitFor({ state: 'attached' });
    await client.getByRole('combobox', { name: 'Add a comment' }).fill('Typed on the train');
    await client.getByRole('button', { name: 'Comment', exact: true }).click();
    await discussion(client).getByText('Queued — will send when you are back online').waitFor();
    await client.screenshot({ path: artifact('comments-client-queued.png'), fullPage: true });
    await clientCtx.setOffline(false);
    await comment(staff, 'Typed on the train').waitFor();
    await comment(client, 'Typed on the train').waitFor();
    expect(await discussion(client).getByText('Queued — will send when you are back online').count()).toBe(0);
    expect(await app.db.selectFrom('comments').select('id').where('body', '=', 'Typed on the train').execute()).toHaveLength(1);

    // Readable at 390 px.
    const phone = await clientCtx.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${app.url}/portal/findings/${w.findingA.id}`);
    await comment(phone, 'retesting this afternoon').waitFor();
    await discussion(phone).scrollIntoViewIfNeeded();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: artifact('comments-client-390.png'), fullPage: true });

    // Delete asks first, and leaves a tombstone on both pages.
    await comment(phone, 'staging today?').getByRole('button', { name: 'Delete' }).click();
    await phone.getByRole('alertdialog').getByRole('button', { name: 'Delete comment' }).click();
    await discussion(staff).getByText('This comment was deleted.').waitFor();
    await discussion(phone).getByText('This comment was deleted.').waitFor();

    expect(staffErrors).toEqual([]);
    expect(clientErrors).toEqual([]);
    await staffCtx.close();
    await clientCtx.close();
  });
});
