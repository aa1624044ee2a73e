import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { getBytes, jpegWithGps, pixelBombPng, sidewaysJpeg, smallPng, uploadAvatar } from '../support/images.js';

let app: TestApp;
const avatarsDir = () => path.join(app.config.uploadsDir, 'avatars');
const filesInAvatars = () => (existsSync(avatarsDir()) ? readdirSync(avatarsDir()) : []);
const avatarFile = async (id: string) => (await app.db.selectFrom('users').select('avatar_file').where('id', '=', id).executeTakeFirstOrThrow()).avatar_file;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('POST /api/profile/avatar', () => {
  let user: Awaited<ReturnType<typeof buildStaff>>;
  let agent: Agent;
  beforeAll(async () => {
    user = await buildStaff(app.db, { name: 'Uma Upload' });
    agent = await signIn(app, user);
  });

  it('refuses anonymous uploads with 401', async () => {
    const res = await uploadAvatar(app, null, await smallPng());
    expect(res.status).toBe(401);
    expect(filesInAvatars()).toEqual([]);
  });

  it('refuses a session whose second factor is still owed', async () => {
    const half = await signIn(app, user, { mfaVerified: false });
    const res = await uploadAvatar(app, half, await smallPng());
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('mfa_required');
  });

  it('stores a 256×256 WebP with every bit of metadata (EXIF GPS included) stripped, under a random name', async () => {
    const input = await jpegWithGps();
    expect((await sharp(input).metadata()).exif, 'the test image must really carry EXIF').toBeDefined();
    const res = await uploadAvatar(app, agent, input, 'image/jpeg');
    expect(res.status).toBe(200);
    expect(res.body.avatarUrl).toMatch(new RegExp(`^/api/users/${user.id}/avatar\\?v=[0-9a-f]+$`));

    const stored = await avatarFile(user.id);
    expect(stored).toMatch(/^avatars\/[0-9a-f]{32}\.webp$/);
    expect(filesInAvatars()).toEqual([path.basename(stored!)]);

    const served = await getBytes(app, agent, res.body.avatarUrl);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/webp');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('cache-control')).toMatch(/^private/);
    const meta = await sharp(served.bytes).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 256, height: 256 });
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    for (const needle of ['Exif', 'TestCam', 'Spy 3000', 'secret-owner']) expect(served.bytes.includes(Buffer.from(needle))).toBe(false);

    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'profile.avatar_changed').where('actor_id', '=', user.id).execute();
    expect(audit).toHaveLength(1);
  });

  it('applies the EXIF orientation before stripping it', async () => {
    const res = await uploadAvatar(app, agent, await sidewaysJpeg(), 'image/jpeg');
    expect(res.status).toBe(200);
    const served = await getBytes(app, agent, res.body.avatarUrl);
    const { data, info } = await sharp(served.bytes).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const [rTop, , bTop] = px(128, 20);
    const [rBottom, , bBottom] = px(128, 235);
    expect(rTop).toBeGreaterThan(200);
    expect(bTop).toBeLessThan(60);
    expect(bBottom).toBeGreaterThan(200);
    expect(rBottom).toBeLessThan(60);
  });

  it('replacing the avatar deletes the previous file and leaves no temporary files', async () => {
    const before = await avatarFile(user.id);
    const res = await uploadAvatar(app, agent, await smallPng('#b42318'), 'image/png');
    expect(res.status).toBe(200);
    const after = await avatarFile(user.id);
    expect(after).not.toBe(before);
    expect(filesInAvatars()).toEqual([path.basename(after!)]);
  });

  it('judges the type by the bytes: a text file named .png is refused with 415 and nothing changes', async () => {
    const before = await avatarFile(user.id);
    const res = await uploadAvatar(app, agent, Buffer.from('just some text, honestly a PNG\n'), 'image/png');
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({ code: 'unsupported_media_type', message: 'Upload a PNG, JPEG, WebP or GIF image.' });
    expect(await avatarFile(user.id)).toBe(before);
    expect(filesInAvatars()).toHaveLength(1);
  });

  it('refuses an SVG with a script, whatever it claims to be', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    for (const type of ['image/svg+xml', 'image/png']) {
      const res = await uploadAvatar(app, agent, svg, type);
      expect(res.status).toBe(415);
    }
  });

  it('refuses a 20000×20000 PNG pixel flood quickly with a clear 400, and nothing changes', async () => {
    const before = await avatarFile(user.id);
    const bomb = pixelBombPng();
    expect(bomb.length).toBeLessThan(5 * 1024 * 1024);
    const started = Date.now();
    const res = await uploadAvatar(app, agent, bomb, 'image/png');
    // Refused from the header: decoding 400 million pixels would take many seconds (and gigabytes).
    // The bound leaves room for a loaded CI machine; alone this takes a few milliseconds.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/too large: at most 25 million pixels/);
    expect(await avatarFile(user.id)).toBe(before);
    expect(filesInAvatars()).toHaveLength(1);
  });

  it('refuses a damaged or truncated image with 400', async () => {
    const png = await smallPng('#123456', 200);
    const jpeg = await jpegWithGps(800, 600);
    for (const [bytes, type] of [
      [png.subarray(0, 120), 'image/png'],
      [jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'image/jpeg'],
    ] as const) {
      const res = await uploadAvatar(app, agent, bytes, type);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/could not be read/);
    }
  });

  it('accepts PNG, WebP and GIF too, always storing WebP', async () => {
    const base = sharp({ create: { width: 300, height: 120, channels: 3, background: '#f79009' } });
    for (const [bytes, type] of [
      [await base.clone().png().toBuffer(), 'image/png'],
      [await base.clone().webp().toBuffer(), 'image/webp'],
      [await base.clone().gif().toBuffer(), 'image/gif'],
    ] as const) {
      const res = await uploadAvatar(app, agent, bytes, type);
      expect(res.status, type).toBe(200);
      const meta = await sharp((await getBytes(app, agent, res.body.avatarUrl)).bytes).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: 256, height: 256 });
    }
  });

  it('refuses a JSON body with 415', async () => {
    const res = await agent.post('/api/profile/avatar', { image: 'data:image/png;base64,AAAA' });
    expect(res.status).toBe(415);
  });

  it('refuses a body over 5 MB with 413', async () => {
    const before = await avatarFile(user.id);
    const big = Buffer.concat([await smallPng(), Buffer.alloc(5 * 1024 * 1024)]);
    const res = await uploadAvatar(app, agent, big, 'image/png');
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await avatarFile(user.id)).toBe(before);
  });

  it('refuses an empty body with 400', async () => {
    const res = await uploadAvatar(app, agent, Buffer.alloc(0), 'image/png');
    expect(res.status).toBe(400);
  });

  it('refuses a cross-site upload with 403 and changes nothing', async () => {
    const before = await avatarFile(user.id);
    const res = await fetch(`${app.url}/api/profile/avatar`, {
      method: 'POST',
      headers: { cookie: agent.cookie!, origin: 'https://evil.test', 'content-type': 'image/png' },
      body: Uint8Array.from(await smallPng()),
    });
    expect(res.status).toBe(403);
    expect(await avatarFile(user.id)).toBe(before);
  });
});

describe('DELETE /api/profile/avatar', () => {
  it('is 401 anonymously', async () => {
    const res = await fetch(`${app.url}/api/profile/avatar`, { method: 'DELETE', headers: { origin: app.url } });
    expect(res.status).toBe(401);
  });

  it('removes the avatar and its file', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const up = await uploadAvatar(app, agent, await smallPng(), 'image/png');
    const file = await avatarFile(user.id);
    expect(existsSync(path.join(app.config.uploadsDir, file!))).toBe(true);
    const res = await agent.delete('/api/profile/avatar');
    expect(res.status).toBe(200);
    expect(res.body.avatarUrl).toBeNull();
    expect(await avatarFile(user.id)).toBeNull();
    expect(existsSync(path.join(app.config.uploadsDir, file!))).toBe(false);
    expect((await getBytes(app, agent, up.body.avatarUrl)).status).toBe(404);
  });
});

describe('GET /api/users/:id/avatar: who may see whom', () => {
  const people = {} as Record<'staff' | 'a1' | 'a2' | 'b1' | 'plain', Awaited<ReturnType<typeof buildStaff>>>;
  const agents = {} as Record<'staff' | 'a1' | 'a2' | 'b1', Agent>;
  beforeAll(async () => {
    const clientA = await buildClient(app.db);
    const clientB = await buildClient(app.db);
    people.staff = await buildStaff(app.db);
    people.a1 = await buildPortalUser(app.db, { client_id: clientA.id });
    people.a2 = await buildPortalUser(app.db, { client_id: clientA.id });
    people.b1 = await buildPortalUser(app.db, { client_id: clientB.id });
    people.plain = await buildStaff(app.db);
    for (const k of ['staff', 'a1', 'a2', 'b1'] as const) {
      agents[k] = await signIn(app, people[k]);
      expect((await uploadAvatar(app, agents[k], await smallPng(), 'image/png')).status).toBe(200);
    }
  });
  const see = async (viewer: keyof typeof agents | null, target: keyof typeof people) =>
    (await getBytes(app, viewer ? agents[viewer] : null, `/api/users/${people[target].id}/avatar`)).status;

  it('anonymous: 401', async () => {
    expect(await see(null, 'staff')).toBe(401);
  });
  it('staff see everyone', async () => {
    expect([await see('staff', 'a1'), await see('staff', 'b1'), await see('staff', 'staff')]).toEqual([200, 200, 200]);
  });
  it('a portal user sees staff and people of their own client', async () => {
    expect([await see('a1', 'staff'), await see('a1', 'a2'), await see('a1', 'a1')]).toEqual([200, 200, 200]);
  });
  it('another client: 404, the same as a person who does not exist or has no avatar', async () => {
    expect(await see('b1', 'a1')).toBe(404);
    expect(await see('a2', 'b1')).toBe(404);
    expect(await see('staff', 'plain')).toBe(404);
    expect((await getBytes(app, agents.a1, '/api/users/00000000-0000-0000-0000-000000000000/avatar')).status).toBe(404);
  });
});
