import path from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { inspectImage, MAX_EVIDENCE_PIXELS, rectangleProblems, renderClientCopies, THUMB_WIDTH, type Rect } from '../../server/services/redaction.js';
import { tempDir } from '../support/app.js';
import { pixelBombPng } from '../support/images.js';

/**
 * server/services/redaction.ts on its own (files in a temp folder, no server): which decoder an
 * upload may reach, the upright size, the pixel limit at its exact edge, every pixel a rectangle
 * touches being the fill colour in the client copy AND in the thumbnail (rounded outwards), the
 * thumbnail's size, and the rectangle check at the image's edge — pinned where the mutation run
 * (tests/mutation-survivors.md) found them loose.
 */

const dir = tempDir('debrief-redaction-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (bytes: Buffer) => {
  const p = path.join(dir, `img-${++n}`);
  writeFileSync(p, bytes);
  return p;
};

/** A PNG whose every pixel differs from its neighbours and is never black (so a missed pixel shows). */
async function noisy(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = 40 + ((i * 7919) % 200);
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

async function pixels(bytes: Buffer) {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { info, at: (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x + 1) * info.channels)] };
}
const BLACK = [0, 0, 0, 255];

/** A valid 1-bit PNG of any size whose pixels are never decoded here (only its header is read). */
function blankPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc((1 + Math.ceil(width / 8)) * height), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
const UNREADABLE = 'This image could not be read. It may be damaged; try another file.';

describe('inspectImage', () => {
  it('answers the size of an image of the sniffed format (a JPEG is jpg)', async () => {
    expect(await inspectImage(file(await noisy(30, 20)), 'png')).toEqual({ width: 30, height: 20 });
    expect(
      await inspectImage(
        file(
          await sharp(await noisy(30, 20))
            .jpeg()
            .toBuffer(),
        ),
        'jpg',
      ),
    ).toEqual({ width: 30, height: 20 });
    expect(
      await inspectImage(
        file(
          await sharp(await noisy(30, 20))
            .webp()
            .toBuffer(),
        ),
        'webp',
      ),
    ).toEqual({ width: 30, height: 20 });
  });

  it('answers the upright size of a JPEG stored sideways (EXIF orientation 6)', async () => {
    const sideways = await sharp(await noisy(60, 20))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect(await inspectImage(file(sideways), 'jpg')).toEqual({ width: 20, height: 60 });
  });

  it('refuses bytes of another format than the one sniffed, and bytes that are no image, as unreadable (400)', async () => {
    for (const [bytes, sniffed] of [
      [await noisy(10, 10), 'jpg'],
      [
        await sharp(await noisy(10, 10))
          .jpeg()
          .toBuffer(),
        'png',
      ],
      [Buffer.from('not an image at all'), 'png'],
    ] as const) {
      const err = await refusal(inspectImage(file(bytes), sniffed));
      expect([err.status, err.code, err.message]).toEqual([400, 'bad_request', UNREADABLE]);
    }
  });

  it('accepts exactly the pixel limit and refuses one row more, from the header, with the limit in words', async () => {
    expect(MAX_EVIDENCE_PIXELS).toBe(8000 * 5000);
    expect(await inspectImage(file(blankPng(8000, 5000)), 'png')).toEqual({ width: 8000, height: 5000 });
    for (const bytes of [blankPng(8000, 5001), pixelBombPng()]) {
      const err = await refusal(inspectImage(file(bytes), 'png'));
      expect([err.status, err.message]).toEqual([400, 'This image is too large: at most 40 million pixels (for example 8000 × 5000).']);
    }
  });
});

describe('renderClientCopies', () => {
  /** Every pixel of r (clipped) in the decoded image is opaque black. */
  async function expectBurned(bytes: Buffer, r: Rect) {
    const { info, at } = await pixels(bytes);
    for (let y = r.y; y < Math.min(info.height, r.y + r.h); y++)
      for (let x = r.x; x < Math.min(info.width, r.x + r.w); x++) expect(at(x, y), `(${x},${y})`).toEqual(BLACK);
  }

  it('burns the rectangles into a PNG of the upright size; pixels outside keep the original’s', async () => {
    const original = await noisy(120, 80);
    const rects = [
      { x: 10, y: 5, w: 20, h: 10 },
      { x: 100, y: 70, w: 20, h: 10 },
    ];
    const { file: copy, thumb } = await renderClientCopies(file(original), { width: 120, height: 80 }, rects);
    expect((await sharp(copy).metadata()).format).toBe('png');
    const c = await pixels(copy);
    expect([c.info.width, c.info.height]).toEqual([120, 80]);
    for (const r of rects) await expectBurned(copy, r);
    const o = await pixels(original);
    for (const [x, y] of [
      [9, 5],
      [30, 5],
      [10, 4],
      [10, 15],
      [60, 40],
      [99, 79],
    ] as const)
      expect(c.at(x, y).slice(0, 3), `(${x},${y})`).toEqual(o.at(x, y));
    // Narrower than THUMB_WIDTH: the thumbnail is the same size (never enlarged).
    const t = await pixels(thumb);
    expect([t.info.width, t.info.height]).toEqual([120, 80]);
  });

  it('scales the thumbnail to THUMB_WIDTH and burns every thumbnail pixel a rectangle touches (rounded outwards)', async () => {
    const width = 1000;
    const height = 500;
    // Scale 0.4: edges at 0.4 × odd numbers fall inside thumbnail pixels, so outward rounding matters.
    const rects = [
      { x: 101, y: 51, w: 33, h: 27 },
      { x: 977, y: 483, w: 23, h: 17 },
    ];
    const { thumb } = await renderClientCopies(file(await noisy(width, height)), { width, height }, rects);
    const t = await pixels(thumb);
    expect([t.info.width, t.info.height]).toEqual([THUMB_WIDTH, 200]);
    // Thumbnail pixels touched: x from floor(101 × 0.4) = 40 to ceil(134 × 0.4) = 54 (exclusive), y from 20 to 32.
    await expectBurned(thumb, { x: 40, y: 20, w: 14, h: 12 });
    // The corner rectangle is clipped to the thumbnail: x 390..400, y 193..200.
    await expectBurned(thumb, { x: 390, y: 193, w: 10, h: 7 });
    expect(t.at(39, 25)).not.toEqual(BLACK);
    expect(t.at(54, 25)).not.toEqual(BLACK);
    expect(t.at(45, 19)).not.toEqual(BLACK);
    expect(t.at(45, 32)).not.toEqual(BLACK);
  });

  it('makes a thumbnail at least one pixel high for a very wide image', async () => {
    const { thumb } = await renderClientCopies(file(await noisy(1000, 1)), { width: 1000, height: 1 }, []);
    const t = await pixels(thumb);
    expect([t.info.width, t.info.height]).toEqual([THUMB_WIDTH, 1]);
  });

  it('refuses a file whose upright size is not the one recorded, and a file that is no image, as unreadable', async () => {
    const p = file(await noisy(30, 20));
    for (const size of [
      { width: 20, height: 30 },
      { width: 31, height: 20 },
      { width: 30, height: 21 },
    ]) {
      const err = await refusal(renderClientCopies(p, size, []));
      expect([err.status, err.message]).toEqual([400, UNREADABLE]);
    }
    const err = await refusal(renderClientCopies(file(Buffer.from('garbage')), { width: 1, height: 1 }, []));
    expect([err.status, err.message]).toEqual([400, UNREADABLE]);
  });
});

describe('rectangleProblems', () => {
  it('accepts rectangles up to the edge and names each one that goes past it', () => {
    const size = { width: 100, height: 50 };
    expect(
      rectangleProblems(
        [
          { x: 0, y: 0, w: 100, h: 50 },
          { x: 90, y: 40, w: 10, h: 10 },
        ],
        size,
      ),
    ).toEqual([]);
    expect(
      rectangleProblems(
        [
          { x: 0, y: 0, w: 1, h: 1 },
          { x: 91, y: 0, w: 10, h: 1 },
          { x: 0, y: 41, w: 1, h: 10 },
        ],
        size,
      ),
    ).toEqual([
      { path: 'rectangles.1', message: 'Rectangle 2 goes outside the 100 × 50 image.' },
      { path: 'rectangles.2', message: 'Rectangle 3 goes outside the 100 × 50 image.' },
    ]);
  });
});
