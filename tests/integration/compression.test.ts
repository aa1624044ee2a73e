import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIR, startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';

/**
 * Answers are compressed when the browser asks (issue 19: a 2,000-finding list was 9 MB on the
 * wire), except the answers that carry a secret next to input an attacker could choose (BREACH):
 * the TOTP seed and recovery codes.
 */

let app: TestApp;
let staffCookie: string;

/** A raw GET/POST (node:http does not decompress, so the wire is what we see). */
function raw(
  method: string,
  path: string,
  cookie: string,
  acceptEncoding?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, app.url);
    const headers: Record<string, string> = { cookie, origin: app.url, 'content-type': 'application/json' };
    if (acceptEncoding) headers['accept-encoding'] = acceptEncoding;
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db);
  for (let i = 0; i < 60; i++) await buildClient(app.db, { name: `Client number ${i} with a long enough name to fill a list` });
  staffCookie = (await signIn(app, await buildStaff(app.db, { role: 'admin' }))).cookie!;
});
afterAll(() => app.close());

describe('compression', () => {
  it('gzips a JSON list when asked, and the bytes decompress to the same answer', async () => {
    const plain = await raw('GET', '/api/clients', staffCookie);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await raw('GET', '/api/clients', staffCookie, 'gzip');
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    expect(JSON.parse(gunzipSync(zipped.body).toString()).clients).toHaveLength(60);
  });

  it('leaves a small answer as it is', async () => {
    const small = await raw('GET', '/api/session', staffCookie, 'gzip');
    expect(small.status).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('never compresses an answer that carries a secret (the TOTP seed)', async () => {
    const user = await buildPortalUser(app.db);
    const cookie = (await signIn(app, user, { mfaVerified: false })).cookie!;
    const start = await raw('POST', '/api/auth/mfa/enrol/start', cookie, 'gzip, br');
    expect(start.status).toBe(200);
    expect(start.headers['content-encoding']).toBeUndefined();
    // It is long enough that it would have been compressed (the QR code's SVG).
    expect(start.body.length).toBeGreaterThan(1024);
    expect(JSON.parse(start.body.toString()).secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('serves the web app’s scripts compressed at build time (Brotli, else gzip), as they are on disk, and plain to a browser that asks for neither', async () => {
    const dir = path.join(CLIENT_DIR, '_app', 'immutable', 'chunks');
    const name = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .sort((a, b) => statSync(path.join(dir, b)).size - statSync(path.join(dir, a)).size)[0]!;
    const file = path.join(dir, name);
    const url = `/_app/immutable/chunks/${name}`;
    const original = readFileSync(file);

    const br = await raw('GET', url, '', 'gzip, deflate, br');
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/^text\/javascript/);
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.headers['cache-control']).toMatch(/immutable/);
    expect(br.body.equals(readFileSync(`${file}.br`))).toBe(true); // the build's file, not compressed again per request
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);

    const gz = await raw('GET', url, '', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body.equals(readFileSync(`${file}.gz`))).toBe(true);
    expect(gunzipSync(gz.body).equals(original)).toBe(true);

    const plain = await raw('GET', url, '');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
    // The compressed copies are not addressable as files of their own.
    expect((await raw('GET', `${url}.br`, '')).status).toBe(404);
  });
});
