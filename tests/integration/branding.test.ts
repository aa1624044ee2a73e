import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { getBytes, jpegWithGps, pixelBombPng, smallPng } from '../support/images.js';
import { GOOD_COLOURS, PLAIN_SVG, uploadBrandImage } from '../support/brand.js';

/** Issue 15, points 1, 2, 4 and 5: uploads, colours, the public read and the stylesheet, over HTTP. */

let app: TestApp;
let admin: Agent;
const brandDir = () => path.join(app.config.uploadsDir, 'brand');
const brandFiles = () => (existsSync(brandDir()) ? readdirSync(brandDir()).filter((f) => !f.startsWith('.')) : []);
const tempFiles = () => (existsSync(brandDir()) ? readdirSync(brandDir()).filter((f) => f.startsWith('.')) : []);
const imageRows = async () => (await app.db.selectFrom('brand_images').select('id').execute()).length;
const brandRow = () => app.db.selectFrom('brand').selectAll().executeTakeFirst();
const auditRows = () => app.db.selectFrom('audit_events').selectAll().where('action', 'like', 'firm.brand%').orderBy('id').execute();

beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db, { name: 'Northwind Assurance' });
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
});
afterAll(() => app.close());

const fullBrand = (over: Record<string, unknown> = {}) => ({ ...GOOD_COLOURS, logoLight: null, logoDark: null, favicon: null, ...over });

describe('brand image uploads', () => {
  it('re-encodes a logo to 1× and 2× PNGs with no metadata (EXIF GPS gone), stored and served by content hash', async () => {
    const input = await jpegWithGps(800, 200);
    expect((await sharp(input).metadata()).exif, 'the test image must really carry EXIF').toBeDefined();
    const res = await uploadBrandImage(app, admin, input, 'logo', 'image/jpeg');
    expect(res.status).toBe(201);
    const image = res.body.image;
    expect(image).toMatchObject({ kind: 'logo', height: 48, width: 192 });
    expect(image.url).toMatch(/^\/brand\/[0-9a-f]{64}\.png$/);
    expect(image.url).toBe(`/brand/${image.id}.png`);

    for (const [url, height] of [
      [image.url, 48],
      [image.url2x, 96],
    ] as const) {
      const served = await getBytes(app, null, url);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const meta = await sharp(served.bytes).metadata();
      expect(meta).toMatchObject({ format: 'png', height });
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      // The stored copy itself (what every instance serves) carries nothing either.
      const stored = await sharp(path.join(app.config.uploadsDir, url.slice(1))).metadata();
      expect(stored.exif).toBeUndefined();
      expect(served.bytes.includes(Buffer.from('Spy 3000'))).toBe(false);
    }
    // Uploading changes nothing clients see: the brand applies only on Save.
    expect(await brandRow()).toBeUndefined();
    expect((await auditRows()).at(-1)).toMatchObject({ action: 'firm.brand_image_uploaded', outcome: 'success', target_id: image.id });
  });

  it('makes a favicon 32 and 64 px square PNGs', async () => {
    const res = await uploadBrandImage(app, admin, await smallPng('#0f766e', 300), 'favicon');
    expect(res.status).toBe(201);
    expect(res.body.image).toMatchObject({ kind: 'favicon', width: 32, height: 32 });
    expect((await sharp((await getBytes(app, null, res.body.image.url2x)).bytes).metadata()).width).toBe(64);
  });

  it('rasterises a plain SVG (never stores SVG)', async () => {
    const res = await uploadBrandImage(app, admin, PLAIN_SVG, 'logo', 'image/svg+xml');
    expect(res.status).toBe(201);
    expect(res.body.image).toMatchObject({ height: 48, width: 160 });
    expect(brandFiles().every((f) => f.endsWith('.png'))).toBe(true);
  });

  describe('refusals change nothing', () => {
    const cases: [string, () => Promise<Buffer> | Buffer, number, RegExp][] = [
      ['a 20000×20000 pixel bomb', () => pixelBombPng(), 400, /too large: at most 25 million pixels/],
      ['an HTML file named .png', () => Buffer.from('<!doctype html><html><script>alert(1)</script></html>'), 415, /PNG, JPEG, WebP or SVG/],
      [
        'an SVG with a script',
        () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="9" height="9"/></svg>'),
        422,
        /script/,
      ],
      [
        'an SVG with an event handler',
        () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'),
        422,
        /event handler/,
      ],
      [
        'an SVG with an external image',
        () =>
          Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="https://evil.test/x.png"/></svg>'),
        422,
        /external reference/,
      ],
      [
        'an SVG with a foreignObject',
        () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><foreignObject width="9" height="9"><div>hi</div></foreignObject></svg>'),
        422,
        /foreignObject/,
      ],
      [
        'a GIF (a logo is still)',
        () =>
          sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
            .gif()
            .toBuffer(),
        415,
        /PNG, JPEG/,
      ],
      ['a file over 2 MB', () => Buffer.alloc(2 * 1024 * 1024 + 1, 0x89), 413, /larger than 2 MB/],
    ];
    it.each(cases)('%s', async (_name, make, status, message) => {
      const [files, rows, audits] = [brandFiles(), await imageRows(), (await auditRows()).length];
      const started = Date.now();
      const res = await uploadBrandImage(app, admin, await make());
      expect(res.status, res.text).toBe(status);
      expect(res.body.error.message).toMatch(message);
      expect(Date.now() - started, 'refused without decoding').toBeLessThan(3000);
      expect(brandFiles()).toEqual(files);
      expect(tempFiles()).toEqual([]);
      expect(await imageRows()).toBe(rows);
      expect((await auditRows()).length).toBe(audits);
    });

    it('an empty body and an unknown kind', async () => {
      expect((await uploadBrandImage(app, admin, Buffer.alloc(0))).status).toBe(400);
      expect((await uploadBrandImage(app, admin, await smallPng(), 'banner')).body.error.code).toBe('validation_failed');
    });
  });
});

describe('saving the brand', () => {
  it('refuses a scheme that fails contrast with 422 naming each pair and its ratio, and saves nothing', async () => {
    const res = await admin.put('/api/firm/brand', fullBrand({ primary: '#ffd400', accent: '#fff3a0' }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('unprocessable');
    const failing = res.body.error.details.failing as { name: string; ratio: number; required: number }[];
    expect(failing.length).toBeGreaterThan(2);
    expect(failing.map((f) => f.name)).toContain('Links and headings on white');
    for (const f of failing) {
      expect(res.body.error.message).toContain(`${f.name}: ${f.ratio}:1`);
      expect(f.ratio).toBeLessThan(f.required);
    }
    expect(await brandRow()).toBeUndefined();
    expect((await app.deps.db.selectFrom('audit_events').select('id').where('action', '=', 'firm.branding_updated').execute()).length).toBe(0);
  });

  it('"Adjust for me" answers passing shades and saves nothing', async () => {
    const res = await admin.post('/api/firm/brand/adjust', { primary: '#FFD400', accent: '#fff3a0' });
    expect(res.status).toBe(200);
    expect(res.body.checks.every((c: { passes: boolean }) => c.passes)).toBe(true);
    expect(res.body.primary).not.toBe('#ffd400');
    expect(await brandRow()).toBeUndefined();
    const saved = await admin.put('/api/firm/brand', fullBrand({ primary: res.body.primary, accent: res.body.accent }));
    expect(saved.status).toBe(200);
  });

  it('refuses invalid input (400) and images that are not uploads of that kind (422), saving nothing', async () => {
    await admin.delete('/api/firm/brand');
    for (const body of [
      fullBrand({ primary: 'red' }),
      fullBrand({ accent: '#12345' }),
      fullBrand({ extra: 1 }),
      { primary: '#000000' },
      fullBrand({ logoLight: '../x' }),
    ]) {
      const res = await admin.put('/api/firm/brand', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const favicon = (await uploadBrandImage(app, admin, await smallPng('#123456', 100), 'favicon')).body.image;
    const wrongKind = await admin.put('/api/firm/brand', fullBrand({ logoLight: favicon.id }));
    expect(wrongKind.status).toBe(422);
    const unknown = await admin.put('/api/firm/brand', fullBrand({ favicon: 'a'.repeat(64) }));
    expect(unknown.status).toBe(422);
    expect(await brandRow()).toBeUndefined();
  });

  it('saves colours and images, audits before/after, and the public read, stylesheet and favicon follow', async () => {
    const logo = (await uploadBrandImage(app, admin, await smallPng('#7a1f5c', 120), 'logo')).body.image;
    const favicon = (await uploadBrandImage(app, admin, await smallPng('#0f766e', 64), 'favicon')).body.image;
    const cssBefore = await new Agent(app.url).get('/brand.css');
    const res = await admin.put('/api/firm/brand', fullBrand({ logoLight: logo.id, favicon: favicon.id }));
    expect(res.status).toBe(200);
    expect(res.body.brand).toMatchObject({ ...GOOD_COLOURS, isDefault: false, logoLight: { id: logo.id }, favicon: { id: favicon.id }, logoDark: null });

    const audit = (await auditRows()).at(-1)!;
    expect(audit).toMatchObject({ action: 'firm.branding_updated', outcome: 'success', target_type: 'firm' });
    expect(JSON.parse(audit.details!)).toEqual({ before: 'default', after: { ...GOOD_COLOURS, logoLight: logo.id, logoDark: null, favicon: favicon.id } });

    const anonymous = new Agent(app.url);
    const pub = await anonymous.get('/api/brand');
    expect(pub.status).toBe(200);
    expect(pub.body).toMatchObject({
      firmName: 'Northwind Assurance',
      colours: GOOD_COLOURS,
      logoLight: { url: logo.url, url2x: logo.url2x },
      favicon: { url: favicon.url },
    });

    const css = await anonymous.get('/brand.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.text).toContain(`--brand:${GOOD_COLOURS.primary}`);
    expect(css.text).toContain(`--focus:${GOOD_COLOURS.accent}`);
    expect(css.headers.get('etag')).not.toBe(cssBefore.headers.get('etag'));
    expect((await anonymous.get('/brand.css', { 'if-none-match': css.headers.get('etag')! })).status).toBe(304);

    const icon = await anonymous.get('/brand/favicon');
    expect(icon.status).toBe(302);
    expect(icon.headers.get('location')).toBe(favicon.url2x);
  });

  it('"Reset to default" brings back the default look, audited', async () => {
    const res = await admin.delete('/api/firm/brand');
    expect(res.status).toBe(200);
    expect(res.body.brand).toMatchObject({ primary: '#1e3a5f', accent: '#2563eb', isDefault: true, logoLight: null });
    expect(await brandRow()).toBeUndefined();
    expect((await new Agent(app.url).get('/brand/favicon')).headers.get('location')).toBe('/favicon.svg');
    expect(JSON.parse((await auditRows()).at(-1)!.details!)).toMatchObject({ after: 'default' });
  });
});

describe('who may change the brand', () => {
  it('anonymous 401, portal users and analysts 403, for every write; nothing changes', async () => {
    const analyst = await signIn(app, await buildStaff(app.db, { role: 'analyst' }));
    const manager = await signIn(app, await buildPortalUser(app.db, { role: 'manager' }));
    for (const [who, agent, status] of [
      ['anonymous', new Agent(app.url), 401],
      ['analyst', analyst, 403],
      ['manager', manager, 403],
    ] as const) {
      expect((await agent.put('/api/firm/brand', fullBrand())).status, who).toBe(status);
      expect((await agent.delete('/api/firm/brand')).status, who).toBe(status);
      expect((await agent.post('/api/firm/brand/adjust', GOOD_COLOURS)).status, who).toBe(status);
      expect((await agent.get('/api/firm/brand')).status, who).toBe(status);
      expect((await uploadBrandImage(app, agent.cookie ? agent : null, await smallPng())).status, who).toBe(status);
    }
    expect(await brandRow()).toBeUndefined();
  });
});

describe('GET /api/brand: the public allowlist', () => {
  it('has exactly the allowlisted keys, for anyone, and nothing else', async () => {
    const res = await new Agent(app.url).get('/api/brand');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'colours',
      'favicon',
      'firmName',
      'footerHtml',
      'helpHtml',
      'logoDark',
      'logoLight',
      'supportEmail',
      'supportPhone',
    ]);
    expect(Object.keys(res.body.colours).sort()).toEqual(['accent', 'primary']);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the staff outbox shows the HTML part', () => {
  it('with the inline logo pointed at its public file (the page shows it in a sandboxed frame)', async () => {
    const logo = (await uploadBrandImage(app, admin, await smallPng('#7a1f5c', 90), 'logo')).body.image;
    expect((await admin.put('/api/firm/brand', fullBrand({ logoLight: logo.id }))).status).toBe(200);
    const person = await buildPortalUser(app.db, { role: 'viewer' });
    expect((await new Agent(app.url).post('/api/auth/password-reset', { email: person.email }, { 'x-forwarded-for': '198.51.100.9' })).status).toBe(202);
    const mail = (await admin.get('/api/admin/outbox')).body.mails[0];
    expect(mail.kind).toBe('password_reset');
    // The inline logo is the stored 2× file, as a data: URL (the sandboxed frame fetches nothing).
    const file = readFileSync(path.join(app.config.uploadsDir, logo.url2x.slice(1)));
    expect(mail.html).toContain(`src="data:image/png;base64,${file.toString('base64')}"`);
    expect(mail.html).not.toContain('cid:');
    expect(mail.html).toContain(GOOD_COLOURS.primary);
  });
});
