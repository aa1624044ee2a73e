import { describe, expect, it } from 'vitest';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';

const t = useBrowserApp();

describe('an open portal follows changes made by the firm', () => {
  it('shows a module switched off behind a padlock at the next click, and sends a removed user to sign in', async () => {
    const admin = await signIn(t.app, await buildStaff(t.app.db, { role: 'admin' }));
    const client = await buildClient(t.app.db, { name: 'Contoso' });
    const user = await buildPortalUser(t.app.db, { client_id: client.id, role: 'viewer' });
    const page = await (await signedInContext(t.browser, t.app.url, await signIn(t.app, user))).newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/portal`);
    const menu = page.getByRole('navigation', { name: 'Main' });
    await menu.getByRole('link', { name: 'Reports', exact: true }).waitFor();

    expect((await admin.patch(`/api/clients/${client.id}`, { modules: { reports: false }, confirm: true })).status).toBe(200);
    await menu.getByRole('link', { name: 'Projects', exact: true }).click();
    await menu.getByRole('link', { name: 'Reports (not enabled for your organisation)' }).waitFor();

    const users = await admin.get(`/api/clients/${client.id}/users`);
    const me = users.body.members.find((u: { email: string }) => u.email === user.email);
    expect((await admin.post(`/api/clients/${client.id}/users/${me.id}/remove`)).status).toBe(200);
    // The server closes the removed user's live connection with the reason; the page goes to sign in and says why.
    await page.waitForURL('**/login?reason=removed');
    expect(errors).toEqual([]);
  });
});
