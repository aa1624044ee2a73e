import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { TestApp } from './app.js';
import { postRaw } from './evidence.js';
import type { Agent, Res } from './http.js';

/** Test images made on the fly (no committed binaries). */

/** A JPEG carrying EXIF with GPS coordinates, a camera model and a copyright: all must be stripped. */
export function jpegWithGps(width = 640, height = 480): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#2e90fa' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestCam', Model: 'Spy 3000', Copyright: 'secret-owner' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2600/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3900/100' },
    })
    .toBuffer();
}

/**
 * A JPEG whose pixels are stored sideways (left half red, right half blue) with EXIF Orientation 6
 * ("rotate 90° clockwise to display"). Shown upright, red is on top and blue at the bottom.
 */
export async function sidewaysJpeg(): Promise<Buffer> {
  const half = (colour: string) =>
    sharp({ create: { width: 200, height: 400, channels: 3, background: colour } })
      .png()
      .toBuffer();
  return sharp({ create: { width: 400, height: 400, channels: 3, background: '#000' } })
    .composite([
      { input: await half('#ff0000'), left: 0, top: 0 },
      { input: await half('#0000ff'), left: 200, top: 0 },
    ])
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** A small ordinary PNG. */
export function smallPng(colour = '#067647', size = 64): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 4, background: colour } })
    .png()
    .toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/**
 * A real, valid 20000×20000 PNG (1-bit grey, all black) of about 50 KB: 400 million pixels, which
 * a decoder would expand to hundreds of megabytes. The classic pixel flood.
 */
export function pixelBombPng(side = 20_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc((1 + Math.ceil(side / 8)) * side); // filter byte 0 + zero pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** POST raw bytes to /api/profile/avatar as the agent (the Agent helper only sends JSON). */
export const uploadAvatar = (app: TestApp, agent: Agent | null, bytes: Buffer, contentType = 'image/jpeg'): Promise<Res> =>
  postRaw(app, agent, '/profile/avatar', bytes, contentType);

/** GET a binary resource as the agent. */
export async function getBytes(app: TestApp, agent: Agent | null, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(app.url + path, { headers: agent?.cookie ? { cookie: agent.cookie } : {} });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
