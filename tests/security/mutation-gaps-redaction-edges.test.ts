import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { buildFinding } from '../support/workspace.js';
import { getBytes, uploadEvidence } from '../support/evidence.js';

/**
 * What the HTTP run of redaction.ts's survivors (tests/mutation-survivors.md, slice 24) found no
 * test for: a rectangle that falls below the thumbnail of a very wide image (the thumbnail's height
 * is rounded down, so the rectangle has no row there) must still redact, and an image whose
 * decoder only warns (a JPEG with stray bytes before a marker) is accepted, as `failOn: 'error'`
 * intends. Also pinned: only the first frame of an animated GIF reaches the client copy.
 */

let app: TestApp;
let staff: Agent;
let findingId: string;

beforeAll(async () => {
  app = await startTestApp();
  staff = await signIn(app, await buildStaff(app.db));
  findingId = (await buildFinding(app.db)).id;
});
afterAll(() => app.close());

const pixel = async (png: Buffer, x: number, y: number) => {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i], data[i + 1], data[i + 2]];
};

describe('thumbnail rectangles of a very wide image', () => {
  it('a rectangle on the last row of a 4000 × 14 strip (thumbnail 400 × 1: the row is below it) redacts the copy and leaves the thumbnail whole', async () => {
    // 14 × 400 / 4000 = 1.4 rows, rounded to 1: row 13 starts at 1.3, inside no thumbnail row.
    const strip = await sharp({ create: { width: 4000, height: 14, channels: 3, background: '#c8c8c8' } })
      .png()
      .toBuffer();
    const up = await uploadEvidence(app, staff, findingId, strip, 'strip.png');
    expect(up.status, up.text).toBe(201);
    const rect = { x: 0, y: 13, w: 4000, h: 1 };
    const res = await staff.put(`/api/evidence/${up.body.evidence.id}/redactions`, { rectangles: [rect] });
    expect(res.status, res.text).toBe(200);
    expect(res.body.evidence.redactions).toEqual([rect]);
    const copy = await getBytes(app, staff, res.body.evidence.url);
    expect(copy.status).toBe(200);
    expect(await pixel(copy.bytes, 2000, 13)).toEqual([0, 0, 0]);
    expect(await pixel(copy.bytes, 2000, 12)).toEqual([200, 200, 200]);
    const thumb = await getBytes(app, staff, res.body.evidence.thumbUrl);
    expect(thumb.status).toBe(200);
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({ width: 400, height: 1 });
  });
});

describe('decoder warnings are not errors', () => {
  it('a JPEG with stray bytes before a marker (libjpeg: "extraneous bytes") is accepted and re-encoded', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const at = jpeg.indexOf(Buffer.from([0xff, 0xc4]));
    expect(at).toBeGreaterThan(0);
    const warned = Buffer.concat([jpeg.subarray(0, at), Buffer.from([1, 2, 3]), jpeg.subarray(at)]);
    const up = await uploadEvidence(app, staff, findingId, warned, 'camera.jpg');
    expect(up.status, up.text).toBe(201);
    expect(up.body.evidence).toMatchObject({ kind: 'image', mime: 'image/jpeg', width: 64, height: 48 });
    const copy = await getBytes(app, staff, up.body.evidence.url);
    expect(await sharp(copy.bytes).metadata()).toMatchObject({ format: 'png', width: 64, height: 48 });
  });
});

describe('animated images', () => {
  it('only the first frame of an animated GIF is measured and reaches the client copy and thumbnail', async () => {
    const frames = await Promise.all(
      ['#00ff00', '#ff0000'].map((c) =>
        sharp({ create: { width: 8, height: 8, channels: 3, background: c } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const up = await uploadEvidence(app, staff, findingId, gif, 'two-frames.gif');
    expect(up.status, up.text).toBe(201);
    expect(up.body.evidence).toMatchObject({ width: 8, height: 8 });
    for (const url of [up.body.evidence.url, up.body.evidence.thumbUrl]) {
      const got = await getBytes(app, staff, url);
      const meta = await sharp(got.bytes).metadata();
      expect([meta.height, meta.pages ?? 1]).toEqual([8, 1]);
      const stats = await sharp(got.bytes).stats();
      expect(stats.channels[0]!.max, 'no pixel of the second (red) frame').toBe(0);
    }
  });
});
