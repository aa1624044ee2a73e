import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { publicMessages } from '../../server/messages.js';
import { FINDING_STATUSES } from '../../server/contracts/constants.js';
import { MESSAGE_KEYS } from '../../server/contracts/message-keys.js';

/**
 * The firm's custom messages (issue 15, points 8 and 9) over HTTP: who may read and change them,
 * the limits (422 naming the field, nothing saved), the one sanitiser, defaults and reset, the
 * audit row, and `publicMessages` (stored or default) for the signed-out pages and e-mails.
 */

let app: TestApp;
let admin: Agent;
let analyst: Agent;
let portalA: Agent;
let portalB: Agent;
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db);
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
  analyst = await signIn(app, await buildStaff(app.db));
  portalA = await signIn(app, await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id, role: 'manager' }));
  portalB = await signIn(app, await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id, role: 'viewer' }));
});
afterAll(async () => app?.close());

/** Everything a refused request must leave as it was: the stored messages and the audit log. */
const snap = async () =>
  JSON.stringify({
    messages: await app.db.selectFrom('firm_messages').selectAll().orderBy('key').execute(),
    audit: await app.db.selectFrom('audit_events').select(['id', 'action']).where('action', '!=', 'authz.denied').orderBy('id').execute(),
  });
const auditRows = () => app.db.selectFrom('audit_events').selectAll().where('action', '=', 'firm.messages_updated').orderBy('id').execute();
const welcome = '## Hello\n\nWelcome to **Acme**: read [our guide](https://acme.test/guide).';

describe('custom messages: who may', () => {
  it('anonymous → 401 on every route; nothing changes', async () => {
    const before = await snap();
    const anon = new Agent(app.url);
    expect((await anon.get('/api/messages')).status).toBe(401);
    expect((await anon.get('/api/firm/messages')).status).toBe(401);
    expect((await anon.put('/api/firm/messages', { welcome })).status).toBe(401);
    expect((await anon.post('/api/firm/messages/preview', { key: 'welcome', text: welcome })).status).toBe(401);
    expect(await snap()).toBe(before);
  });

  it('portal users (either client, any role) → 403 on the settings routes; nothing changes', async () => {
    const before = await snap();
    for (const agent of [portalA, portalB]) {
      expect((await agent.get('/api/firm/messages')).status).toBe(403);
      expect((await agent.put('/api/firm/messages', { welcome })).status).toBe(403);
      expect((await agent.post('/api/firm/messages/preview', { key: 'welcome', text: welcome })).status).toBe(403);
    }
    expect(await snap()).toBe(before);
  });

  it('an analyst reads the settings but may not change or preview them (403); nothing changes', async () => {
    const read = await analyst.get('/api/firm/messages');
    expect(read.status).toBe(200);
    expect(Object.keys(read.body.messages).sort()).toEqual([...MESSAGE_KEYS].sort());
    const before = await snap();
    expect((await analyst.put('/api/firm/messages', { welcome })).status).toBe(403);
    expect((await analyst.post('/api/firm/messages/preview', { key: 'welcome', text: welcome })).status).toBe(403);
    expect(await snap()).toBe(before);
  });
});

describe('custom messages: defaults', () => {
  it('with nothing stored, every message is its default, written with the firm’s name and support contact', async () => {
    const res = await admin.get('/api/firm/messages');
    expect(res.status).toBe(200);
    for (const key of MESSAGE_KEYS) {
      expect(res.body.messages[key].text, key).toBeNull();
      expect(res.body.messages[key].defaultText.length, key).toBeGreaterThan(40);
      expect(res.body.messages[key].defaultText.length, key).toBeLessThanOrEqual(res.body.messages[key].limit);
    }
    expect(res.body.messages.welcome.limit).toBe(2000);
    expect(res.body.messages['status.open'].limit).toBe(600);
    expect(res.body.messages.footer.limit).toBe(500);
    expect(res.body.messages.welcome.defaultText).toContain('Acme Security');
    expect(res.body.messages['status.pending_verification'].defaultText).toMatch(/waiting for us to check/);
    expect(res.body.messages.help.defaultText).toContain('[support@acme.test](mailto:support@acme.test)');
    expect(res.body.messages.help.defaultText).toContain('+44 20 7946 0000');

    const portal = await portalA.get('/api/messages');
    expect(portal.status).toBe(200);
    expect(Object.keys(portal.body.messages.statusHtml).sort()).toEqual([...FINDING_STATUSES].sort());
    expect(portal.body.messages.welcomeHtml).toContain('Acme Security');
    expect(portal.body.messages.statusHtml.pending_verification).toContain('<strong>waiting for us to check</strong>');
    expect(portal.body.messages.helpHtml).toContain('href="mailto:support@acme.test"');
    expect(portal.body.messages.footerHtml).toContain('Shared with you by Acme Security');
  });

  it('publicMessages returns the default footer and help when nothing is stored', async () => {
    const pub = await publicMessages(app.db);
    expect(Object.keys(pub).sort()).toEqual(['footerHtml', 'footerText', 'helpHtml']);
    expect(pub.footerText).toMatch(/^Shared with you by Acme Security\./);
    expect(pub.footerHtml).toBe(`<p>${pub.footerText}</p>\n`);
    expect(pub.helpHtml).toContain('href="mailto:support@acme.test"');
  });

  it('without a support contact, the default help says whom to ask instead; a firm name is never read as Markdown', async () => {
    await buildFirm(app.db, { name: 'Under_score *Sec* <b>', support_email: null as never, support_phone: null as never });
    try {
      const res = await admin.get('/api/firm/messages');
      expect(res.body.messages.help.defaultText).toContain('who runs your engagement');
      expect(res.body.messages.help.defaultText).not.toContain('mailto:');
      const portal = await portalA.get('/api/messages');
      expect(portal.body.messages.welcomeHtml).toContain('Under_score *Sec* &lt;b&gt;');
      expect(portal.body.messages.welcomeHtml).not.toContain('<em>');
    } finally {
      await buildFirm(app.db, { name: 'Acme Security', support_email: 'support@acme.test', support_phone: '+44 20 7946 0000' });
    }
  });
});

describe('custom messages: saving', () => {
  it('an admin saves a welcome and a status explanation: stored, rendered on the portal, one audit row with before and after', async () => {
    const res = await admin.put('/api/firm/messages', { welcome: `  ${welcome}\r\n`, 'status.pending_verification': 'We will retest it **this week**.' });
    expect(res.status).toBe(200);
    expect(res.body.messages.welcome.text).toBe(welcome);
    expect(res.body.messages['status.pending_verification'].text).toBe('We will retest it **this week**.');
    expect(res.body.messages.footer.text).toBeNull();

    const portal = (await portalB.get('/api/messages')).body.messages;
    expect(portal.welcomeHtml).toContain('<h2>Hello</h2>');
    expect(portal.welcomeHtml).toContain('<a href="https://acme.test/guide" target="_blank" rel="noopener noreferrer nofollow">our guide</a>');
    expect(portal.statusHtml.pending_verification).toBe('<p>We will retest it <strong>this week</strong>.</p>\n');
    expect(portal.statusHtml.open).toContain('has not been fixed yet');

    const rows = await auditRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'success', target_type: 'firm', target_id: '1', actor_kind: 'staff' });
    expect(rows[0]!.actor_id).not.toBeNull();
    expect(rows[0]!.request_id).toBeTruthy();
    expect(JSON.parse(rows[0]!.details!)).toEqual({
      before: { welcome: null, 'status.pending_verification': null },
      after: { welcome, 'status.pending_verification': 'We will retest it **this week**.' },
    });
  });

  it('saving the same texts again changes nothing and writes no audit row', async () => {
    const before = await snap();
    const res = await admin.put('/api/firm/messages', { welcome, 'status.pending_verification': 'We will retest it **this week**.' });
    expect(res.status).toBe(200);
    expect(await snap()).toBe(before);
  });

  it('HTML and scripts in the Markdown come out sanitised; javascript: and data: links are dropped', async () => {
    const hostile = [
      '<script>alert(1)</script>',
      'An image: <img src=x onerror=alert(2)>',
      '[click](javascript:alert(3)) [data](data:text/html,hi) [relative](/portal/users)',
      'Raw: <a href="https://ok.test" onclick="x()">raw</a> <iframe src="https://evil.test"></iframe>',
      '[mail us](mailto:a@b.test)',
    ].join('\n\n');
    const res = await admin.put('/api/firm/messages', { footer: hostile });
    expect(res.status).toBe(200);
    const { footerHtml } = (await portalA.get('/api/messages')).body.messages;
    expect(footerHtml).not.toMatch(/<script|<img|<iframe|onerror=|onclick=|javascript:|data:text|href="\//i);
    expect(footerHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(footerHtml).toContain('<a>click</a>');
    expect(footerHtml).toContain('<a>relative</a>');
    expect(footerHtml).toContain('<a href="https://ok.test" target="_blank" rel="noopener noreferrer nofollow">raw</a>');
    expect(footerHtml).toContain('<a href="mailto:a@b.test" target="_blank" rel="noopener noreferrer nofollow">mail us</a>');
    // The preview is the same render.
    const preview = await admin.post('/api/firm/messages/preview', { key: 'footer', text: hostile });
    expect(preview.status).toBe(200);
    expect(preview.body.html).toBe(footerHtml);
    // And so is what the signed-out pages and e-mails get.
    const pub = await publicMessages(app.db);
    expect(pub.footerHtml).toBe(footerHtml);
    expect(pub.footerText).toBe(hostile);
  });

  it('a text over its limit is refused with 422 naming each such field; nothing changes', async () => {
    const before = await snap();
    const res = await admin.put('/api/firm/messages', { welcome: 'ok', footer: 'f'.repeat(501), 'status.open': 's'.repeat(601) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([
      { path: 'status.open', message: 'Use at most 600 characters (this one has 601).' },
      { path: 'footer', message: 'Use at most 500 characters (this one has 501).' },
    ]);
    expect(res.body.error.message).toMatch(/Nothing was saved/);
    expect(await snap()).toBe(before);
    // At the limit is fine; blank space around it does not count.
    const preview = await admin.post('/api/firm/messages/preview', { key: 'help', text: 'h'.repeat(2001) });
    expect(preview.status).toBe(422);
    expect(preview.body.error.details[0].path).toBe('help');
    expect((await admin.post('/api/firm/messages/preview', { key: 'help', text: ` ${'h'.repeat(2000)}\n` })).status).toBe(200);
  });

  it('invalid input is refused (400) and changes nothing', async () => {
    const before = await snap();
    for (const [body, path] of [
      [{ welcom: 'typo' }, ''],
      [{ 'status.fixed': 'no such status' }, ''],
      [{ welcome: 42 }, 'welcome'],
      [{ welcome: 'x'.repeat(20_001) }, 'welcome'],
      [{}, ''],
    ] as const) {
      const res = await admin.put('/api/firm/messages', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details[0].path, JSON.stringify(body)).toBe(path);
    }
    // Not an object of messages at all.
    for (const body of [[], '"text"', 'null']) expect((await admin.put('/api/firm/messages', body)).status, JSON.stringify(body)).toBe(400);
    for (const body of [{ key: 'nope', text: 'x' }, { key: 'welcome' }, { key: 'welcome', text: 'x', extra: 1 }]) {
      expect((await admin.post('/api/firm/messages/preview', body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await snap()).toBe(before);
  });

  it('an empty text shows nothing; null resets a message to its default (audited)', async () => {
    expect((await admin.put('/api/firm/messages', { 'status.closed': '' })).status).toBe(200);
    expect((await portalA.get('/api/messages')).body.messages.statusHtml.closed).toBe('');

    const auditBefore = (await auditRows()).length;
    const res = await admin.put('/api/firm/messages', { welcome: null, footer: null, 'status.closed': null });
    expect(res.status).toBe(200);
    expect(res.body.messages.welcome.text).toBeNull();
    expect(res.body.messages.footer.text).toBeNull();
    expect(await app.db.selectFrom('firm_messages').select('key').orderBy('key').execute()).toEqual([{ key: 'status.pending_verification' }]);
    const portal = (await portalA.get('/api/messages')).body.messages;
    expect(portal.welcomeHtml).toContain('Welcome to your security portal from Acme Security');
    expect(portal.statusHtml.closed).toContain('This finding is closed');
    const rows = await auditRows();
    expect(rows).toHaveLength(auditBefore + 1);
    const details = JSON.parse(rows.at(-1)!.details!);
    expect(details.after).toEqual({ welcome: null, 'status.closed': null, footer: null });
    expect(details.before.welcome).toBe(welcome);
    expect(details.before['status.closed']).toBe('');
  });

  it('the audit row keeps at most 300 characters of each text', async () => {
    const long = 'a'.repeat(1999);
    expect((await admin.put('/api/firm/messages', { help: long })).status).toBe(200);
    const details = JSON.parse((await auditRows()).at(-1)!.details!);
    expect(details.after.help).toBe(`${'a'.repeat(300)}…`);
    expect((await publicMessages(app.db)).helpHtml).toBe(`<p>${long}</p>\n`);
    expect((await admin.put('/api/firm/messages', { help: null })).status).toBe(200);
  });
});
