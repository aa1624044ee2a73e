import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeSmtp, type FakeSmtp } from '../support/smtp.js';
import { buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { smallPng } from '../support/images.js';
import { GOOD_COLOURS, uploadBrandImage } from '../support/brand.js';
import { leaves, parseMime } from '../support/mime.js';

/** Issue 15, point 6: every mail has a branded HTML part beside its text, the logo inline (never remote). */

const FIRM = 'Acme <script>alert(1)</script> & "Co"';
let smtp: FakeSmtp;
let app: TestApp;
let logo: { id: string; url2x: string };

beforeAll(async () => {
  smtp = await startFakeSmtp();
  app = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'Portal <portal@acme.test>' });
  await buildFirm(app.db, { name: FIRM });
  const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
  logo = (await uploadBrandImage(app, admin, await smallPng('#7a1f5c', 200), 'logo')).body.image;
  expect((await admin.put('/api/firm/brand', { ...GOOD_COLOURS, logoLight: logo.id, logoDark: null, favicon: null })).status).toBe(200);
});
afterAll(async () => {
  await app.close();
  await smtp.close();
});

describe('a branded mail through SMTP', () => {
  it('is multipart/alternative (text + related HTML with the inline logo), in the primary colour, the firm as From name, every value escaped', async () => {
    const person = await buildPortalUser(app.db, { role: 'manager' });
    const res = await new Agent(app.url).post('/api/auth/password-reset', { email: person.email }, { 'x-forwarded-for': '198.51.100.7' });
    expect(res.status).toBe(202);
    await expect.poll(() => smtp.messages.length, { timeout: 5000 }).toBe(1);
    const mail = parseMime(smtp.messages[0]!);

    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);
    const [text, related] = mail.parts;
    expect(text!.headers['content-type']).toMatch(/^text\/plain/);
    expect(text!.text).toMatch(/\/reset-password\/[A-Za-z0-9_-]+/);
    expect(related!.headers['content-type']).toMatch(/^multipart\/related/);
    const [html, image] = related!.parts;
    expect(html!.headers['content-type']).toMatch(/^text\/html/);
    expect(image!.headers['content-type']).toMatch(/^image\/png/);
    expect(image!.headers['content-id']).toBe('<brand-logo@debrief>');
    expect(image!.headers['content-disposition']).toMatch(/^inline/);
    // The inline logo is the stored 2× file, byte for byte.
    expect(image!.body.equals(readFileSync(path.join(app.config.uploadsDir, logo.url2x.slice(1))))).toBe(true);

    const body = html!.text;
    expect(body).toContain('src="cid:brand-logo@debrief"');
    expect(body).not.toMatch(/<img[^>]+src="https?:/);
    expect(body).toContain(GOOD_COLOURS.primary);
    expect(body).toContain('max-width:600px');
    expect(body).toMatch(/<table role="presentation"/);
    expect(body).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
    expect(body).not.toContain('<script>');
    // The reset link is a link in the HTML too.
    expect(body).toMatch(/<a href="http:\/\/127\.0\.0\.1:\d+\/reset-password\/[A-Za-z0-9_-]+"/);
    // From: the firm's name (encoded by nodemailer) at the configured address.
    expect(mail.headers.from).toContain('<portal@acme.test>');
    expect(mail.headers.from).not.toContain('Portal <');
    expect(leaves(mail)).toHaveLength(3);

    // The outbox row kept what it needs to be sent again the same after a crash; a reset link is not kept after delivery.
    await expect.poll(async () => (await app.db.selectFrom('mail_outbox').select('status').executeTakeFirst())?.status, { timeout: 5000 }).toBe('sent');
    const row = await app.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    expect(row.html_body).toBeNull();
    expect(row.logo_file).toBe(logo.url2x.slice(1));
    expect(row.from_name).toBe(FIRM);
  });
});
