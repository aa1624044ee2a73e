import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { connected, connectSocket, recordAll } from '../support/socket.js';
import { GOOD_COLOURS } from '../support/brand.js';
import type { Agent } from '../support/http.js';

/**
 * Issue 15, point 4: a saved brand reaches every open page at once as `brand:updated`, a push
 * with no data (the brand is public; each page reads GET /api/brand again). A refused save pushes nothing.
 * The firm's messages (footer, help, welcome, explanations) are pushed the same way.
 */

let app: TestApp;
let admin: Agent;
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db);
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
});
afterAll(() => app.close());

describe('brand:updated', () => {
  it('reaches staff and every client’s portal sockets after Save and Reset, carrying nothing; a refused save and an analyst’s attempt push nothing', async () => {
    const sockets = await Promise.all(
      [
        admin,
        await signIn(app, await buildStaff(app.db, { role: 'analyst' })),
        await signIn(app, await buildPortalUser(app.db, { role: 'viewer' })),
        await signIn(app, await buildPortalUser(app.db, { role: 'manager' })),
      ].map((a) => connected(connectSocket(app, a))),
    );
    const seen = sockets.map(recordAll);
    const analyst = await signIn(app, await buildStaff(app.db, { role: 'analyst' }));

    // Refused: failing contrast (422) and an analyst (403). Nothing is pushed.
    expect((await admin.put('/api/firm/brand', { primary: '#ffff00', accent: '#ffff00', logoLight: null, logoDark: null, favicon: null })).status).toBe(422);
    expect((await analyst.put('/api/firm/brand', { ...GOOD_COLOURS, logoLight: null, logoDark: null, favicon: null })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    for (const s of seen) expect(s.ofType('brand:updated')).toEqual([]);

    expect((await admin.put('/api/firm/brand', { ...GOOD_COLOURS, logoLight: null, logoDark: null, favicon: null })).status).toBe(200);
    for (const s of seen) await expect.poll(() => s.ofType('brand:updated')).toEqual([{}]);
    expect((await admin.delete('/api/firm/brand')).status).toBe(200);
    for (const s of seen) await expect.poll(() => s.ofType('brand:updated').length).toBe(2);
    for (const s of sockets) s.close();
  });

  it('also follows the firm’s messages: a change pushes once; an unchanged save, a refused one and an analyst’s push nothing', async () => {
    const portal = await connected(connectSocket(app, await signIn(app, await buildPortalUser(app.db, { role: 'viewer' }))));
    const seen = recordAll(portal);
    const analyst = await signIn(app, await buildStaff(app.db, { role: 'analyst' }));
    expect((await analyst.put('/api/firm/messages', { footer: 'Analyst footer' })).status).toBe(403);
    expect((await admin.put('/api/firm/messages', { footer: 'x'.repeat(100_000) })).status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.ofType('brand:updated')).toEqual([]);

    expect((await admin.put('/api/firm/messages', { footer: 'Northwind Assurance · 24/7 line' })).status).toBe(200);
    await expect.poll(() => seen.ofType('brand:updated')).toEqual([{}]);
    // Saving the same words again changes nothing, so nothing is pushed.
    expect((await admin.put('/api/firm/messages', { footer: 'Northwind Assurance · 24/7 line' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.ofType('brand:updated')).toEqual([{}]);
    portal.close();
  });
});
