import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { publishedFinding, remediationWorld } from '../support/remediation.js';

/**
 * Issue 18's keyboard-only walk of the core loop, with no click anywhere: a client Manager
 * comments with a mention (picked from the autocomplete by keyboard), chats, and marks the
 * finding remediated; the analyst gives the verdict. Every control is reached with Tab (or
 * Shift+Tab) and worked with Enter, Space and arrows, as a keyboard user would, and every
 * result is checked in the database, not only on the page.
 */

const t = useBrowserApp();

/** Tab (forwards, then backwards) until `target` has focus; fails if it is not in the Tab order. */
async function tabTo(page: Page, target: Locator, what: string): Promise<void> {
  await target.waitFor();
  const handle = await target.elementHandle();
  if (!handle) throw new Error(`${what} is not on the page`);
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let n = 0; n < 80; n++) {
      if (await handle.evaluate((el) => el === document.activeElement)) return;
      await page.keyboard.press(key);
    }
  }
  throw new Error(`${what} can't be reached with Tab`);
}

describe('keyboard only, the core loop', () => {
  it('comment with a mention, chat, mark remediated (client Manager); give a verdict (analyst)', async () => {
    const w = await remediationWorld(t.app);
    const finding = await publishedFinding(t.app, w.project, { title: 'Reflected XSS in search' });
    const viewport = { width: 1366, height: 900 };
    const client = await (await signedInContext(t.browser, t.app.url, w.as.managerA, { viewport })).newPage();
    const errors = watchErrors(client);

    // Comment with a mention.
    await client.goto(`${t.app.url}/portal/findings/${finding.id}`);
    await client.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const box = client.getByRole('combobox', { name: 'Add a comment' });
    await tabTo(client, box, 'the comment box');
    await client.keyboard.type('Fixed in 4.2, @Ana');
    await client
      .getByRole('listbox', { name: 'People to mention' })
      .getByRole('option', { name: new RegExp(w.analyst.name) })
      .waitFor();
    await client.keyboard.press('Enter');
    await client.keyboard.type('please retest.');
    expect(await box.inputValue()).toBe(`Fixed in 4.2, @${w.analyst.name} please retest.`);
    await tabTo(client, client.getByRole('button', { name: 'Comment', exact: true }), 'the Comment button');
    await client.keyboard.press('Enter');
    await client
      .locator('article.comment .mention')
      .filter({ hasText: `@${w.analyst.name}` })
      .waitFor();
    const mentions = () => t.app.db.selectFrom('notifications').select('kind').where('user_id', '=', w.analyst.id).where('kind', '=', 'mention').execute();
    await expect.poll(async () => (await mentions()).length, { message: 'the mention reached the analyst' }).toBe(1);

    // Chat: the menu link, then the message box; Enter sends.
    await tabTo(client, client.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Chat/ }), 'the Chat menu link');
    await client.keyboard.press('Enter');
    await client.waitForURL('**/portal/chat');
    await expect.poll(async () => client.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    const message = client.getByRole('textbox', { name: 'Message' });
    await tabTo(client, message, 'the chat message box');
    await client.keyboard.type('The patch is on staging now.');
    await client.keyboard.press('Enter');
    await client.getByText('The patch is on staging now.').waitFor();
    const chat = () => t.app.db.selectFrom('chat_messages').select('body').where('client_id', '=', w.clientA.id).execute();
    await expect.poll(async () => (await chat()).map((m) => m.body)).toEqual(['The patch is on staging now.']);

    // Mark remediated: the button opens the dialog; Tab to the notes, then to Send.
    await client.goto(`${t.app.url}/portal/findings/${finding.id}`);
    await tabTo(client, client.getByRole('button', { name: 'Mark as remediated' }), 'Mark as remediated');
    await client.keyboard.press('Enter');
    const submit = client.getByRole('dialog');
    await tabTo(client, submit.getByLabel('What was fixed'), 'the notes of the fix');
    await client.keyboard.type('Output is encoded in the search template.');
    await tabTo(client, submit.getByRole('button', { name: 'Send for verification' }), 'Send for verification');
    await client.keyboard.press('Enter');
    await submit.waitFor({ state: 'hidden' });
    await client.getByText('Round 1 is waiting for verification').waitFor();

    // The analyst's verdict: the radio group by arrows, the notes, Save.
    const staff = await (await signedInContext(t.browser, t.app.url, w.as.analyst, { viewport })).newPage();
    errors.push(...watchErrors(staff));
    await staff.goto(`${t.app.url}/staff/findings/${finding.id}`);
    await staff.getByText('Round 1 is waiting for your verdict.').waitFor();
    await tabTo(staff, staff.getByRole('button', { name: 'Give verdict' }), 'Give verdict');
    await staff.keyboard.press('Enter');
    const dialog = staff.getByRole('dialog');
    await tabTo(staff, dialog.getByRole('radio', { name: 'Verified fixed' }), 'the verdict choices');
    await staff.keyboard.press('ArrowDown');
    expect(await dialog.getByRole('radio', { name: 'Not fixed' }).isChecked()).toBe(true);
    await tabTo(staff, dialog.getByLabel('What is still wrong'), 'the verdict notes');
    await staff.keyboard.type('The error page still echoes the query.');
    await tabTo(staff, dialog.getByRole('button', { name: 'Save verdict' }), 'Save verdict');
    await staff.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    const stored = await t.app.db.selectFrom('findings').select('status').where('id', '=', finding.id).executeTakeFirstOrThrow();
    expect(stored.status).toBe('not_fixed');
    // The client's open page shows the verdict live.
    await client.getByText('The error page still echoes the query.').first().waitFor();
    expect(errors).toEqual([]);
  });
});
