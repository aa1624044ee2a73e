import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { buildFinding } from '../support/workspace.js';
import { getBytes, noisyPng, sha256, uploadEvidence } from '../support/evidence.js';

/**
 * The client copy AND its thumbnail are built from the redacted pixels only
 * (server/services/redaction.ts renderClientCopies): two originals that differ only under the
 * redaction rectangles must give byte-identical client copies and byte-identical thumbnails.
 * A thumbnail scaled from the original would let resampling carry a blend of hidden pixels
 * across the rectangles' edges — exactly the difference this catches, without guessing margins.
 */

type Rect = { x: number; y: number; w: number; h: number };
const W = 1200;
const H = 800;
// Edges deliberately off the 1/3 thumbnail scale, one rectangle touching the corner.
const RECTS: Rect[] = [
  { x: 101, y: 50, w: 301, h: 199 },
  { x: 703, y: 411, w: 124, h: 77 },
  { x: 1100, y: 700, w: 100, h: 100 },
];

let app: TestApp;
let staff: Agent;
let portal: Agent;
let findingId: string;

/** `base` with every rectangle painted over in `colour`: the same image except under the rectangles. */
async function paintedUnder(base: Buffer, colour: string): Promise<Buffer> {
  const patches = await Promise.all(
    RECTS.map((r) =>
      sharp({ create: { width: r.w, height: r.h, channels: 3, background: colour } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(base)
    .composite(RECTS.map((r, i) => ({ input: patches[i]!, left: r.x, top: r.y })))
    .png()
    .toBuffer();
}

async function uploadShared(bytes: Buffer, name: string) {
  const up = await uploadEvidence(app, staff, findingId, bytes, name);
  expect(up.status).toBe(201);
  expect((await staff.patch(`/api/evidence/${up.body.evidence.id}`, { shared: true })).status).toBe(200);
  return up.body.evidence as { id: string; url: string; thumbUrl: string; originalUrl: string };
}

async function copies(agent: Agent, e: { url: string; thumbUrl: string }) {
  const [file, thumb] = [await getBytes(app, agent, e.url), await getBytes(app, agent, e.thumbUrl)];
  expect([file.status, thumb.status]).toEqual([200, 200]);
  return { file: sha256(file.bytes), thumb: sha256(thumb.bytes) };
}

beforeAll(async () => {
  app = await startTestApp();
  staff = await signIn(app, await buildStaff(app.db));
  const finding = await buildFinding(app.db, { published: true });
  findingId = finding.id;
  portal = await signIn(app, await buildPortalUser(app.db, { client_id: finding.client_id }));
});
afterAll(() => app.close());

describe('redacted client copies depend only on what is outside the rectangles', () => {
  it('two originals differing only under the rectangles give byte-identical client copies and thumbnails', async () => {
    const base = await noisyPng(W, H);
    const [one, two] = [await paintedUnder(base, '#ff00ff'), await paintedUnder(base, '#00ff40')];
    expect(sha256(one)).not.toBe(sha256(two));
    const [a, b] = [await uploadShared(one, 'one.png'), await uploadShared(two, 'two.png')];

    // Before redaction the copies differ (so equal hashes later mean something).
    const before = [await copies(staff, a), await copies(staff, b)];
    expect(before[0]!.file).not.toBe(before[1]!.file);
    expect(before[0]!.thumb).not.toBe(before[1]!.thumb);

    for (const e of [a, b]) expect((await staff.put(`/api/evidence/${e.id}/redactions`, { rectangles: RECTS })).status).toBe(200);
    const rows = await app.db.selectFrom('evidence').select(['id', 'client_file', 'client_thumb_file']).where('id', 'in', [a.id, b.id]).execute();
    const now = Object.fromEntries(rows.map((r) => [r.id, r]));

    for (const agent of [staff, portal]) {
      const [ca, cb] = [await copies(agent, a), await copies(agent, b)];
      expect(ca.file).toBe(cb.file);
      expect(ca.thumb).toBe(cb.thumb);
    }
    // The originals are untouched and still differ (staff only).
    const [oa, ob] = [await getBytes(app, staff, a.originalUrl), await getBytes(app, staff, b.originalUrl)];
    expect(sha256(oa.bytes)).toBe(sha256(one));
    expect(sha256(ob.bytes)).toBe(sha256(two));
    expect(now[a.id]!.client_thumb_file).not.toBe(now[b.id]!.client_thumb_file); // separate files, same bytes
  });

  it('still differ when one difference lies outside a rectangle (the comparison is not blind)', async () => {
    const base = await noisyPng(W, H);
    const one = await paintedUnder(base, '#ff00ff');
    const outside = await sharp(one)
      .composite([{ input: { create: { width: 30, height: 30, channels: 3, background: '#ffffff' } }, left: 600, top: 20 }])
      .png()
      .toBuffer();
    const [a, b] = [await uploadShared(one, 'in.png'), await uploadShared(outside, 'out.png')];
    for (const e of [a, b]) expect((await staff.put(`/api/evidence/${e.id}/redactions`, { rectangles: RECTS })).status).toBe(200);
    const [ca, cb] = [await copies(staff, a), await copies(staff, b)];
    expect(ca.file).not.toBe(cb.file);
    expect(ca.thumb).not.toBe(cb.thumb);
  });
});
