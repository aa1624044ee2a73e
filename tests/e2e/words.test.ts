import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { agentsOf, buildCommentWorld, mention, postComment, type CommentWorld } from '../support/comments.js';
import { cmid } from '../support/chat.js';
import { buildStaff, signIn } from '../support/factories.js';
import { inviteTokenFor } from '../support/invitations.js';
import { setClientModules } from '../support/workspace.js';
import { passwordHintInvited, PASSWORD_MIN } from '../../server/contracts/constants.js';

/**
 * Words (issue 18, point 19) in real Chromium: every time shown is a `<time>` whose title is the
 * absolute date and time; staff see a client author's organisation beside the name (comments,
 * chat, notifications); the set-password form states the real rules and the server's refusal of
 * a short password says the same rule. Screenshots (1366 px and 390 px) go to SHOTS for review.
 */

const t = useBrowserApp();
const SHOTS = process.env.WORDS_SHOTS_DIR ?? '/tmp/shots-i18-words';
const WIDTHS = [
  { name: 'desktop', width: 1366, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;
// A fixed locale and zone: the hover text is then checkable word by word.
const LOCALE = { locale: 'en-GB', timezoneId: 'UTC' };
const ABSOLUTE =
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),? \d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4},? (at )?\d{2}:\d{2}:\d{2} UTC$/;

async function shots(page: Page, name: string, part?: string): Promise<void> {
  for (const v of WIDTHS) {
    await page.setViewportSize({ width: v.width, height: v.height });
    await page.waitForTimeout(150);
    await page.screenshot({ path: `${SHOTS}/${name}-${v.name}.png`, fullPage: true });
    if (part) {
      await page.locator(part).scrollIntoViewIfNeeded();
      await page.waitForTimeout(150);
      await page.screenshot({ path: `${SHOTS}/${name}-${v.name}-view.png` });
    }
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}

/** Every `<time>` on the page has its ISO moment and an absolute hover title for that moment. */
async function timesCarryTitles(page: Page): Promise<number> {
  const times = await page.locator('main time').evaluateAll((els) => els.map((e) => ({ dt: e.getAttribute('datetime'), title: e.getAttribute('title') })));
  for (const { dt, title } of times) {
    expect(dt, 'a <time> without datetime').toBeTruthy();
    if (/^\d{4}-\d{2}-\d{2}$/.test(dt!)) expect(title).toMatch(/^\w+,? \d{1,2} \w+ \d{4}$/);
    else expect(title, `title of ${dt}`).toMatch(ABSOLUTE);
  }
  return times.length;
}

let w: CommentWorld;
let as: Awaited<ReturnType<typeof agentsOf>>;
async function staffPage(browser: Browser): Promise<Page> {
  const ctx = await signedInContext(browser, t.app.url, as.analyst, LOCALE);
  ctx.setDefaultTimeout(10_000);
  return ctx.newPage();
}

describe('words in the browser', () => {
  it('the staff finding page: times with their absolute time on hover; the client comment badged with its organisation', async () => {
    w = await buildCommentWorld(t.app.db);
    as = await agentsOf(t.app, w);
    const posted = await postComment(as.collaboratorA, w.findingA.id, `Deployed the fix to production on Monday. ${mention(w.analyst)} please retest.`);
    expect(posted.status).toBe(201);
    expect((await postComment(as.analyst, w.findingA.id, 'Thanks, retesting today.')).status).toBe(201);

    const page = await staffPage(t.browser);
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/staff/findings/${w.findingA.id}`);
    const clientComment = page.locator('article.comment', { hasText: 'Deployed the fix' });
    await clientComment.waitFor();
    expect(await clientComment.getByTestId('author-badge').textContent()).toBe(w.a.name);
    expect(await page.locator('article.comment', { hasText: 'retesting today' }).getByTestId('author-badge').count()).toBe(0);
    // The comment's time: its exact moment, the absolute time on hover.
    const time = clientComment.locator('time');
    expect(await time.getAttribute('datetime')).toBe(posted.body.comment.createdAt);
    expect(await time.getAttribute('title')).toMatch(ABSOLUTE);
    expect(await timesCarryTitles(page)).toBeGreaterThanOrEqual(3);
    await shots(page, 'staff-finding-comments', 'section.discussion');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('the chat: the client’s message badged for staff, its time titled', async () => {
    await setClientModules(t.app.db, w.a.id, { chat: true });
    expect(
      (await as.managerA.post(`/api/chat/${w.a.id}/messages`, { body: 'Hello, we have a question about the report.', clientMessageId: cmid() })).status,
    ).toBe(201);
    expect((await as.analyst.post(`/api/chat/${w.a.id}/messages`, { body: 'Of course, ask away.', clientMessageId: cmid() })).status).toBe(201);
    const page = await staffPage(t.browser);
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/staff/chat/${w.a.id}`);
    const msg = page.locator('article.msg', { hasText: 'question about the report' });
    await msg.waitFor();
    expect(await msg.getByTestId('author-badge').textContent()).toBe(w.a.name);
    expect(await page.locator('article.msg', { hasText: 'ask away' }).getByTestId('author-badge').count()).toBe(0);
    expect(await timesCarryTitles(page)).toBeGreaterThanOrEqual(2);
    await shots(page, 'staff-chat');
    expect(errors).toEqual([]);
    await page.context().close();

    // The client's side: the firm's people carry the firm's name; the client's own, nothing.
    const firm = (await t.app.db.selectFrom('firm').select('name').executeTakeFirstOrThrow()).name;
    const ctx = await signedInContext(t.browser, t.app.url, as.collaboratorA, LOCALE);
    const portal = await ctx.newPage();
    // The brand answers late (a slow network): until it does, no badge — never the product's name in the firm's place.
    let brandAnswered = false;
    await portal.route(`${t.app.url}/api/brand`, async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      brandAnswered = true;
      await route.continue();
    });
    await portal.goto(`${t.app.url}/portal/chat`);
    await portal.locator('article.msg', { hasText: 'ask away' }).waitFor();
    expect(brandAnswered).toBe(false);
    expect(await portal.getByTestId('author-badge').count()).toBe(0);
    expect(await portal.locator('article.msg', { hasText: 'ask away' }).getByTestId('author-badge').textContent()).toBe(firm);
    expect(await portal.locator('article.msg', { hasText: 'question about the report' }).getByTestId('author-badge').count()).toBe(0);
    await shots(portal, 'portal-chat');
    await ctx.close();
  });

  it('notifications: a client user’s mention badged with the organisation, relative time with the absolute one on hover', async () => {
    const page = await staffPage(t.browser);
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/notifications`);
    const item = page.locator('main li', { hasText: 'mentioned you' }).first();
    await item.waitFor();
    expect(await item.getByTestId('author-badge').textContent()).toBe(w.a.name);
    expect(await item.locator('time').textContent()).toMatch(/just now|minute/);
    expect(await timesCarryTitles(page)).toBeGreaterThanOrEqual(1);
    await shots(page, 'notifications');
    // The bell panel too.
    await page.getByRole('button', { name: /^Notifications/ }).click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    await panel.getByTestId('author-badge').first().waitFor();
    await page.screenshot({ path: `${SHOTS}/bell-desktop.png` });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('the set-password form states the real rules; one character short is refused with that rule', async () => {
    const admin = await signIn(t.app, await buildStaff(t.app.db, { role: 'admin' }));
    expect((await admin.post(`/api/clients/${w.a.id}/users`, { email: 'new.words@contoso.test', name: 'Nell New', role: 'viewer' })).status).toBe(201);
    const token = await inviteTokenFor(t.app, 'new.words@contoso.test');
    const ctx = await t.browser.newContext({ viewport: { width: 1366, height: 900 }, ...LOCALE });
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/invite/${encodeURIComponent(token)}`);
    const hint = page.locator('#password-hint');
    await hint.waitFor();
    const firm = (await t.app.db.selectFrom('firm').select('name').executeTakeFirstOrThrow()).name;
    expect(await hint.textContent()).toBe(passwordHintInvited(firm));
    await shots(page, 'set-password');
    await page.getByLabel('Choose a password').fill('k'.repeat(PASSWORD_MIN - 1));
    await page.getByLabel('Confirm password').fill('k'.repeat(PASSWORD_MIN - 1));
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.locator('#password-error').getByText(`Use at least ${PASSWORD_MIN} characters.`).waitFor();
    await page.screenshot({ path: `${SHOTS}/set-password-refused-desktop.png`, fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
