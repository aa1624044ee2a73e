import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { jpegWithGps, pixelBombPng, smallPng } from '../support/images.js';
import { buildFinding } from '../support/workspace.js';
import { getBytes, postRaw, storedFiles, tinyPdf, uploadEvidence, uploadReport } from '../support/evidence.js';

/**
 * Upload safety (security anchors U1–U4, U6–U8) on the evidence and report endpoints: the type
 * is judged from the bytes, never the name or Content-Type; names are labels only; sizes and
 * pixel counts are capped cheaply; every client-visible image is re-encoded without metadata.
 */

let app: TestApp;
let staff: Agent;
let findingId: string;
let projectId: string;
const LIMIT_MB = 1;

const evidenceCount = async () =>
  Number(
    (
      await app.db
        .selectFrom('evidence')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
/** Nothing refused may leave a row, a stored file or a temporary file behind. */
async function expectNothingStored(before: { rows: number; files: string[] }) {
  expect(await evidenceCount()).toBe(before.rows);
  expect(storedFiles(app, 'evidence')).toEqual(before.files);
}
const snapshot = async () => ({ rows: await evidenceCount(), files: storedFiles(app, 'evidence') });

beforeAll(async () => {
  app = await startTestApp({ UPLOAD_MAX_MB: String(LIMIT_MB), REPORT_MAX_MB: '1' });
  staff = await signIn(app, await buildStaff(app.db));
  const finding = await buildFinding(app.db);
  findingId = finding.id;
  projectId = finding.project_id;
});
afterAll(() => app.close());

describe('evidence types are sniffed from the bytes (U1)', () => {
  it('accepts a real PNG whatever Content-Type says, and stores it under a random name', async () => {
    const res = await uploadEvidence(app, staff, findingId, await smallPng('#123456', 80), 'screen.png', 'application/pdf');
    expect(res.status).toBe(201);
    expect(res.body.evidence).toMatchObject({ kind: 'image', mime: 'image/png', width: 80, height: 80, originalName: 'screen.png' });
    const row = await app.db.selectFrom('evidence').selectAll().where('id', '=', res.body.evidence.id).executeTakeFirstOrThrow();
    expect(row.original_file).toMatch(/^evidence\/[0-9a-f]{32}\.png$/);
    expect(row.client_file).toMatch(/^evidence\/[0-9a-f]{32}\.png$/);
    expect(row.client_thumb_file).toMatch(/^evidence\/[0-9a-f]{32}\.png$/);
  });

  it('accepts a plain-text file sent as image/png and a PDF, as attachments (kind file)', async () => {
    const txt = await uploadEvidence(app, staff, findingId, Buffer.from('GET /admin HTTP/1.1\nHost: target\n'), 'request.txt', 'image/png');
    expect(txt.status).toBe(201);
    expect(txt.body.evidence).toMatchObject({ kind: 'file', mime: 'text/plain', thumbUrl: null });
    const pdf = await uploadEvidence(app, staff, findingId, tinyPdf(), 'scan.pdf', 'text/plain');
    expect(pdf.status).toBe(201);
    expect(pdf.body.evidence).toMatchObject({ kind: 'file', mime: 'application/pdf' });
  });

  const refused: [string, () => Promise<Buffer> | Buffer, string][] = [
    ['HTML named .png', () => Buffer.from('<html><script>alert(1)</script></html>'), 'x.png'],
    [
      'an SVG with script named .png',
      () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'),
      'logo.png',
    ],
    ['an SVG named .svg', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>'), 'logo.svg'],
    ['a PDF renamed .jpg', () => tinyPdf(), 'photo.jpg'],
    ['PHP sent as image/jpeg', () => Buffer.from('<?php system($_GET["c"]); ?>'), 'shell.php'],
    ['x.jpg.php', () => Buffer.from('<?php echo 1; ?>'), 'x.jpg.php'],
    ['x.php%00.jpg', () => Buffer.from('<?php echo 1; ?>'), 'x.php\u0000.jpg'],
    [
      'a GIF named .js',
      () =>
        sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
          .gif()
          .toBuffer(),
      'payload.js',
    ],
    ['binary that is no allowed type', () => Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0]), 'tool.png'],
    ['UTF-16 text (NUL bytes)', () => Buffer.from('\ufeffhello', 'utf16le'), 'notes.txt'],
  ];
  for (const [label, make, name] of refused) {
    it(`refuses ${label} with 415, storing nothing`, async () => {
      const before = await snapshot();
      const res = await uploadEvidence(app, staff, findingId, await make(), name, 'image/jpeg');
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
      expect(res.body.error.message.length).toBeGreaterThan(20);
      await expectNothingStored(before);
    });
  }

  it('names the mismatch clearly for a PDF called .jpg', async () => {
    const res = await uploadEvidence(app, staff, findingId, tinyPdf(), 'photo.jpg');
    expect(res.body.error.message).toBe('The file name ends in .jpg, but the file is a PDF. Rename it to .pdf and try again.');
  });

  it('refuses a PNG signature followed by HTML (not decodable) with 400 and stores nothing', async () => {
    const before = await snapshot();
    const fake = Buffer.concat([(await smallPng()).subarray(0, 33), Buffer.from('<html><script>alert(1)</script></html>')]);
    const res = await uploadEvidence(app, staff, findingId, fake, 'fake.png');
    expect([400, 415]).toContain(res.status);
    await expectNothingStored(before);
  });

  it('re-encodes a GIF carrying a script after its image data: the client copy holds only pixels', async () => {
    const gif = Buffer.concat([
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } })
        .gif()
        .toBuffer(),
      Buffer.from('/*x*/;alert(document.cookie)//'),
    ]);
    const res = await uploadEvidence(app, staff, findingId, gif, 'anim.gif');
    expect(res.status).toBe(201);
    const copy = await getBytes(app, staff, res.body.evidence.url);
    expect(copy.headers.get('content-type')).toBe('image/png');
    expect(copy.bytes.includes(Buffer.from('alert('))).toBe(false);
    expect((await sharp(copy.bytes).metadata()).format).toBe('png');
  });

  it('answers 415 to a JSON body (not a file) and 400 to an empty body', async () => {
    const json = await staff.post(`/api/findings/${findingId}/evidence?name=x.png`, { not: 'a file' });
    expect(json.status).toBe(415);
    const empty = await postRaw(app, staff, `/findings/${findingId}/evidence?name=x.png`, Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('Choose a file to upload.');
  });

  for (const [label, bytes] of [
    ['a text file renamed .pdf', Buffer.from('Quarterly findings, see attached.\n')],
    ['text that merely starts like a PDF', Buffer.from('%PDF-1.7 and then just words, no document structure at all')],
    ['a PNG renamed .pdf', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')],
  ] as const) {
    it(`refuses ${label} as a report (415 'Reports must be PDF files.')`, async () => {
      const res = await uploadReport(app, staff, projectId, bytes, 'Report', 'report.pdf', 'application/pdf');
      expect(res.status).toBe(415);
      expect(res.body.error.message).toBe('Reports must be PDF files.');
      expect(storedFiles(app, 'reports')).toEqual([]);
    });
  }
});

describe('pixel floods and damaged images (U2)', () => {
  it('refuses a 20000×20000 PNG (400 million pixels) quickly with a clear 400', async () => {
    const before = await snapshot();
    const bomb = pixelBombPng();
    // The best of two tries: the bound is about the work done (header only), not a busy test machine.
    const times: number[] = [];
    let res;
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      res = await uploadEvidence(app, staff, findingId, bomb, 'bomb.png');
      times.push(Date.now() - started);
    }
    res = res!;
    expect(Math.min(...times)).toBeLessThan(1000);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/at most 40 million pixels/);
    await expectNothingStored(before);
  });

  it('refuses a truncated JPEG with 400', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#f00' } })
      .jpeg()
      .toBuffer();
    const res = await uploadEvidence(app, staff, findingId, jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'cut.jpg');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/could not be read/);
  });
});

describe('metadata is stripped from every client-visible image (U4)', () => {
  it('removes EXIF (GPS, camera, owner), XMP and IPTC from the client copy and its thumbnail', async () => {
    const input = await jpegWithGps(900, 600);
    expect((await sharp(input).metadata()).exif, 'the test image must really carry EXIF').toBeDefined();
    const res = await uploadEvidence(app, staff, findingId, input, 'holiday.jpg');
    expect(res.status).toBe(201);
    for (const url of [res.body.evidence.url, res.body.evidence.thumbUrl]) {
      const got = await getBytes(app, staff, url);
      expect(got.status).toBe(200);
      const meta = await sharp(got.bytes).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      for (const needle of ['Exif', 'TestCam', 'Spy 3000', 'secret-owner', 'GPS']) expect(got.bytes.includes(Buffer.from(needle))).toBe(false);
    }
    const thumb = await sharp((await getBytes(app, staff, res.body.evidence.thumbUrl)).bytes).metadata();
    expect(thumb).toMatchObject({ width: 400, height: 267 });
  });
});

describe('names are labels; storage names are the server’s (U6, U7)', () => {
  const names = [
    '../../x.png',
    '..\\..\\x.png',
    '/etc/passwd.png',
    '%2e%2e%2fx.png',
    'evil\u202Egnp.exe.png',
    `${'a'.repeat(300)}.png`,
    'line\r\nSet-Cookie: x=1.png',
  ];
  for (const name of names) {
    it(`stores ${JSON.stringify(name.slice(0, 40))} under a random name with a clean label`, async () => {
      const res = await uploadEvidence(app, staff, findingId, await smallPng(), name);
      expect(res.status).toBe(201);
      const row = await app.db.selectFrom('evidence').selectAll().where('id', '=', res.body.evidence.id).executeTakeFirstOrThrow();
      expect(row.original_file).toMatch(/^evidence\/[0-9a-f]{32}\.png$/);
      expect(existsSync(path.join(app.config.uploadsDir, row.original_file))).toBe(true);
      expect(row.original_name).not.toMatch(/[\\/\r\n\u202E]/);
      expect(row.original_name.length).toBeLessThanOrEqual(200);
      expect(row.original_name).toMatch(/\.png$/);
      const file = await getBytes(app, staff, res.body.evidence.url);
      const cd = file.headers.get('content-disposition')!;
      expect(cd).toMatch(/^inline; filename="[A-Za-z0-9 ._()+,=@-]+"; filename\*=UTF-8''[A-Za-z0-9%._~!-]+$/);
    });
  }
});

describe('size limits (U8)', () => {
  it('refuses limit + 1 bytes with 413 and stores nothing', async () => {
    const before = await snapshot();
    const big = Buffer.concat([await smallPng(), Buffer.alloc(LIMIT_MB * 1024 * 1024)]);
    const res = await uploadEvidence(app, staff, findingId, big, 'big.png');
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'payload_too_large', message: `The file is larger than the ${LIMIT_MB} MB limit.` });
    await expectNothingStored(before);
  });

  it('refuses 10× the limit sent chunked (no Content-Length) with 413, and the server stays up', async () => {
    const before = await snapshot();
    const chunk = new Uint8Array(64 * 1024).fill(7);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 10 * LIMIT_MB * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    let status: number;
    try {
      const res = await fetch(`${app.url}/api/findings/${findingId}/evidence?name=big.png`, {
        method: 'POST',
        headers: { origin: app.url, cookie: staff.cookie!, 'content-type': 'application/octet-stream' },
        body,
        duplex: 'half',
      } as RequestInit);
      status = res.status;
    } catch {
      status = -1; // the server may cut the connection before the client finished sending: also a refusal
    }
    expect([413, -1]).toContain(status);
    expect(sent).toBeLessThan(10 * LIMIT_MB * 1024 * 1024);
    await expectNothingStored(before);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('refuses a report over REPORT_MAX_MB with 413', async () => {
    const res = await uploadReport(app, staff, projectId, Buffer.concat([tinyPdf(), Buffer.alloc(1024 * 1024)]));
    expect(res.status).toBe(413);
    expect(res.body.error.message).toBe('The report is larger than the 1 MB limit.');
    expect(storedFiles(app, 'reports')).toEqual([]);
  });
});

describe('who may upload', () => {
  it('refuses anonymous (401), cross-site (403) and a portal user of the finding’s client (404 on a draft)', async () => {
    const before = await snapshot();
    expect((await uploadEvidence(app, null, findingId, await smallPng())).status).toBe(401);
    const cross = await fetch(`${app.url}/api/findings/${findingId}/evidence?name=x.png`, {
      method: 'POST',
      headers: { origin: 'https://evil.test', cookie: staff.cookie!, 'content-type': 'image/png' },
      body: Uint8Array.from(await smallPng()),
    });
    expect(cross.status).toBe(403);
    const finding = await app.db.selectFrom('findings').select('client_id').where('id', '=', findingId).executeTakeFirstOrThrow();
    const portal = await signIn(app, await buildPortalUser(app.db, { client_id: finding.client_id, role: 'manager' }));
    expect((await uploadEvidence(app, portal, findingId, await smallPng())).status).toBe(404);
    await expectNothingStored(before);
  });
});
