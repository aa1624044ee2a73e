import path from 'node:path';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { buildFinding } from '../support/workspace.js';
import { getBytes, noisyPng, sha256, tinyPdf, uploadEvidence } from '../support/evidence.js';

/**
 * Redaction is destructive (security anchor U5): every pixel inside a rectangle of the client
 * copy and of its thumbnail is the fill colour, decoded and compared pixel by pixel; the
 * original keeps its pixels but is unreachable for every portal user.
 */

type Rect = { x: number; y: number; w: number; h: number };
const W = 1200;
const H = 800;
const RECTS: Rect[] = [
  { x: 100, y: 50, w: 300, h: 200 },
  { x: 703, y: 411, w: 123, h: 77 },
  { x: 1100, y: 700, w: 100, h: 100 }, // touches the bottom-right corner
];

let app: TestApp;
let staff: Agent;
let portalA: Agent;
let portalB: Agent;
let input: Buffer;
let evidence: { id: string; url: string; thumbUrl: string; originalUrl: string };

async function decode(bytes: Buffer) {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + info.channels)];
  return { info, px };
}

/** Every pixel of `r` (clipped to the image) is opaque black; returns how many were checked. */
async function expectFilled(bytes: Buffer, r: Rect): Promise<number> {
  const { info, px } = await decode(bytes);
  let checked = 0;
  for (let y = Math.max(0, r.y); y < Math.min(info.height, r.y + r.h); y++) {
    for (let x = Math.max(0, r.x); x < Math.min(info.width, r.x + r.w); x++) {
      const [red, green, blue, alpha] = px(x, y);
      if (red !== 0 || green !== 0 || blue !== 0 || (info.channels === 4 && alpha !== 255))
        throw new Error(`pixel (${x},${y}) is ${px(x, y)} inside ${JSON.stringify(r)}`);
      checked++;
    }
  }
  return checked;
}

/** A rectangle in thumbnail pixels, shrunk by a 1-px margin for resampling. */
function inThumb(r: Rect, scale: number): Rect {
  const x0 = Math.ceil(r.x * scale) + 1;
  const y0 = Math.ceil(r.y * scale) + 1;
  const x1 = Math.floor((r.x + r.w) * scale) - 1;
  const y1 = Math.floor((r.y + r.h) * scale) - 1;
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}

beforeAll(async () => {
  app = await startTestApp();
  staff = await signIn(app, await buildStaff(app.db));
  const finding = await buildFinding(app.db, { published: true });
  portalA = await signIn(app, await buildPortalUser(app.db, { client_id: finding.client_id }));
  portalB = await signIn(app, await buildPortalUser(app.db));
  input = await noisyPng(W, H);
  const up = await uploadEvidence(app, staff, finding.id, input, 'admin-panel.png');
  expect(up.status).toBe(201);
  evidence = up.body.evidence;
  // Shared and published: the strongest case for the client's access.
  expect((await staff.patch(`/api/evidence/${evidence.id}`, { shared: true })).status).toBe(200);
});
afterAll(() => app.close());

describe('PUT /api/evidence/:id/redactions', () => {
  let redacted: { url: string; thumbUrl: string; redactions: Rect[] };
  let oldFiles: string[];

  beforeAll(async () => {
    const row = await app.db.selectFrom('evidence').selectAll().where('id', '=', evidence.id).executeTakeFirstOrThrow();
    oldFiles = [row.client_file!, row.client_thumb_file!];
    const res = await staff.put(`/api/evidence/${evidence.id}/redactions`, { rectangles: RECTS });
    expect(res.status).toBe(200);
    redacted = res.body.evidence;
  });

  it('records the rectangles and replaces the client files (the old ones are deleted)', async () => {
    expect(redacted.redactions).toEqual(RECTS);
    const row = await app.db.selectFrom('evidence').selectAll().where('id', '=', evidence.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.redactions)).toEqual(RECTS);
    for (const f of oldFiles) expect(existsSync(path.join(app.config.uploadsDir, f))).toBe(false);
    expect(existsSync(path.join(app.config.uploadsDir, row.client_file!))).toBe(true);
    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'evidence.redacted').where('target_id', '=', evidence.id).execute();
    expect(audit).toHaveLength(1);
  });

  for (const who of ['staff', 'the client'] as const) {
    it(`burns every rectangle into the client copy ${who} receives: every pixel inside is the fill colour`, async () => {
      const copy = await getBytes(app, who === 'staff' ? staff : portalA, redacted.url);
      expect(copy.status).toBe(200);
      expect(copy.headers.get('content-type')).toBe('image/png');
      const { info, px } = await decode(copy.bytes);
      expect([info.width, info.height]).toEqual([W, H]);
      let total = 0;
      for (const r of RECTS) total += await expectFilled(copy.bytes, r);
      expect(total).toBe(RECTS.reduce((n, r) => n + r.w * r.h, 0));
      // Outside the rectangles the image is still the evidence, not a black page.
      expect(px(50, 20).slice(0, 3)).not.toEqual([0, 0, 0]);
      expect(px(600, 300).slice(0, 3)).not.toEqual([0, 0, 0]);
      expect(sha256(copy.bytes)).not.toBe(sha256(input));
    });

    it(`burns them into the thumbnail ${who} receives too (scaled, 1-px margin)`, async () => {
      const thumb = await getBytes(app, who === 'staff' ? staff : portalA, redacted.thumbUrl);
      expect(thumb.status).toBe(200);
      const { info } = await decode(thumb.bytes);
      expect(info.width).toBe(400);
      const scale = info.width / W;
      let total = 0;
      for (const r of RECTS) total += await expectFilled(thumb.bytes, inThumb(r, scale));
      expect(total).toBeGreaterThan(5000);
    });
  }

  it('keeps the original’s pixels (staff only)', async () => {
    const original = await getBytes(app, staff, evidence.originalUrl);
    expect(original.status).toBe(200);
    expect(original.headers.get('cache-control')).toBe('private, no-store');
    expect(sha256(original.bytes)).toBe(sha256(input));
    const { px } = await decode(original.bytes);
    expect(px(200, 100).slice(0, 3)).not.toEqual([0, 0, 0]);
  });

  it('answers 404 for the original to a portal user of the same client (shared and published) and of another client', async () => {
    const madeUp = await getBytes(app, portalA, `/api/evidence/${crypto.randomUUID()}/original`);
    for (const agent of [portalA, portalB]) {
      const res = await getBytes(app, agent, evidence.originalUrl);
      expect(res.status).toBe(404);
      expect(res.json.error).toEqual(madeUp.json.error);
      expect(res.bytes.includes(Buffer.from(sha256(input)))).toBe(false);
    }
    expect((await getBytes(app, null, evidence.originalUrl)).status).toBe(401);
    const denied = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'evidence.downloaded')
      .where('target_id', '=', evidence.id)
      .where('outcome', '=', 'denied')
      .execute();
    expect(denied.length).toBeGreaterThanOrEqual(3);
  });

  it('never puts the original’s URL or size in what the client receives', async () => {
    const list = await portalA.get(
      `/api/findings/${(await app.db.selectFrom('evidence').select('finding_id').where('id', '=', evidence.id).executeTakeFirstOrThrow()).finding_id}/evidence`,
    );
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('/original');
    expect(list.body.evidence[0]).not.toHaveProperty('originalUrl');
    expect(list.body.evidence[0]).not.toHaveProperty('redactions');
    expect(list.body.evidence[0]).not.toHaveProperty('originalName');
  });

  it('re-renders from the original: removing a rectangle brings its pixels back', async () => {
    const res = await staff.put(`/api/evidence/${evidence.id}/redactions`, { rectangles: [RECTS[0]] });
    expect(res.status).toBe(200);
    const copy = await getBytes(app, staff, res.body.evidence.url);
    await expectFilled(copy.bytes, RECTS[0]!);
    const { px } = await decode(copy.bytes);
    expect(px(750, 450).slice(0, 3)).not.toEqual([0, 0, 0]);
    await expect(expectFilled(copy.bytes, RECTS[1]!)).rejects.toThrow(/pixel/);
  });
});

describe('orientation', () => {
  it('applies rectangles in upright coordinates of a rotated JPEG (EXIF orientation 6)', async () => {
    const finding = await buildFinding(app.db);
    const raw = Buffer.alloc(400 * 200 * 3, 180);
    const jpeg = await sharp(raw, { raw: { width: 400, height: 200, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const up = await uploadEvidence(app, staff, finding.id, jpeg, 'phone.jpg');
    expect(up.body.evidence).toMatchObject({ width: 200, height: 400 });
    const rect = { x: 10, y: 300, w: 50, h: 80 }; // only inside the upright 200×400 image
    const res = await staff.put(`/api/evidence/${up.body.evidence.id}/redactions`, { rectangles: [rect] });
    expect(res.status).toBe(200);
    const copy = await getBytes(app, staff, res.body.evidence.url);
    expect(await expectFilled(copy.bytes, rect)).toBe(4000);
    expect((await sharp(copy.bytes).metadata()).orientation).toBeUndefined();
  });
});

describe('invalid redactions change nothing', () => {
  let id: string;
  let before: string;
  beforeAll(async () => {
    const finding = await buildFinding(app.db);
    id = (await uploadEvidence(app, staff, finding.id, await noisyPng(300, 200), 'small.png')).body.evidence.id;
    before = JSON.stringify(await app.db.selectFrom('evidence').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  });
  const cases: [string, unknown][] = [
    ['a rectangle outside the image', { rectangles: [{ x: 250, y: 10, w: 100, h: 10 }] }],
    ['a negative coordinate', { rectangles: [{ x: -1, y: 0, w: 10, h: 10 }] }],
    ['a zero-width rectangle', { rectangles: [{ x: 1, y: 0, w: 0, h: 10 }] }],
    ['fractions', { rectangles: [{ x: 1.5, y: 0, w: 10, h: 10 }] }],
    ['an unknown key', { rectangles: [{ x: 1, y: 0, w: 10, h: 10, colour: 'white' }] }],
    ['101 rectangles', { rectangles: Array.from({ length: 101 }, () => ({ x: 0, y: 0, w: 1, h: 1 })) }],
    ['no list', {}],
  ];
  for (const [label, body] of cases) {
    it(`refuses ${label} with 400`, async () => {
      const res = await staff.put(`/api/evidence/${id}/redactions`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(JSON.stringify(await app.db.selectFrom('evidence').selectAll().where('id', '=', id).executeTakeFirstOrThrow())).toBe(before);
    });
  }

  it('names the rectangle that is outside the image', async () => {
    const res = await staff.put(`/api/evidence/${id}/redactions`, {
      rectangles: [
        { x: 0, y: 0, w: 5, h: 5 },
        { x: 250, y: 10, w: 100, h: 10 },
      ],
    });
    expect(res.body.error.message).toBe('Rectangle 2 goes outside the 300 × 200 image.');
  });

  it('refuses to redact a file that is not an image', async () => {
    const finding = await buildFinding(app.db);
    const pdf = (await uploadEvidence(app, staff, finding.id, tinyPdf(), 'scan.pdf')).body.evidence.id;
    const res = await staff.put(`/api/evidence/${pdf}/redactions`, { rectangles: [{ x: 0, y: 0, w: 1, h: 1 }] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('Only images can be redacted.');
  });

  it('refuses the client’s users: 403 on a visible item, 404 for another client', async () => {
    const body = { rectangles: [] };
    expect((await portalA.put(`/api/evidence/${evidence.id}/redactions`, body)).status).toBe(403);
    expect((await portalB.put(`/api/evidence/${evidence.id}/redactions`, body)).status).toBe(404);
    expect((await new (staff.constructor as typeof Agent)(app.url).put(`/api/evidence/${evidence.id}/redactions`, body)).status).toBe(401);
  });
});
