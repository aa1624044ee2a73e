import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildPortalUser, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { setClientModules } from '../support/workspace.js';
import { getBytes, tinyPdf, eventually } from '../support/evidence.js';
import { jpegWithGps, smallPng } from '../support/images.js';
import { buildAttachment, buildMessage, chatPeople, chatSnapshot, cmid, uploadChatFile } from '../support/chat.js';

/** The chat channel over HTTP: every route for anonymous, the other client, a role that may not, the happy path and bad input. */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => app?.close());

const anon = () => new Agent(app.url);
const send = (agent: Agent, clientId: string, body: string, extra: Record<string, unknown> = {}) =>
  agent.post(`/api/chat/${clientId}/messages`, { body, clientMessageId: cmid(), ...extra });

describe('GET /api/chat/channels', () => {
  it('lists every channel for staff (unread counts, newest activity first) and only their own for a portal user', async () => {
    const p = await chatPeople(app.db);
    const staff = await signIn(app, p.analyst);
    const collab = await signIn(app, p.collabA);
    await send(collab, p.a.id, 'first');
    await send(collab, p.a.id, 'second');
    const list = await staff.get('/api/chat/channels');
    expect(list.status).toBe(200);
    const ids = list.body.channels.map((c: any) => c.clientId);
    expect(ids).toContain(p.b.id);
    expect(ids.indexOf(p.a.id)).toBeLessThan(ids.indexOf(p.b.id));
    const a = list.body.channels.find((c: any) => c.clientId === p.a.id);
    expect(a).toMatchObject({ unread: 2, lastMessage: { text: 'second', deleted: false } });
    expect(Object.keys(a.lastMessage).sort()).toEqual(['author', 'createdAt', 'deleted', 'id', 'text']);

    const own = await (await signIn(app, p.viewerA)).get('/api/chat/channels');
    expect(own.status).toBe(200);
    expect(own.body.channels.map((c: any) => c.clientId)).toEqual([p.a.id]);
    // The author has read their own messages.
    expect((await collab.get('/api/chat/channels')).body.channels[0].unread).toBe(0);
    expect((await anon().get('/api/chat/channels')).status).toBe(401);
  });

  it('counts unread messages by others up to 100 (the badge says 99+), without counting own or deleted ones', async () => {
    const p = await chatPeople(app.db);
    const staff = await signIn(app, p.analyst);
    const unread = async () => (await staff.get('/api/chat/channels')).body.channels.find((c: any) => c.clientId === p.a.id).unread;
    // 30 by the client, 10 of the analyst's own and 5 deleted in between.
    for (let i = 0; i < 30; i++) {
      await buildMessage(app.db, { clientId: p.a.id, authorId: p.collabA.id });
      if (i % 3 === 0) await buildMessage(app.db, { clientId: p.a.id, authorId: p.analyst.id });
      if (i % 6 === 0) await buildMessage(app.db, { clientId: p.a.id, authorId: p.collabA.id, deleted: true });
    }
    expect(await unread()).toBe(30);
    for (let i = 0; i < 69; i++) await buildMessage(app.db, { clientId: p.a.id, authorId: p.collabA.id });
    expect(await unread()).toBe(99);
    for (let i = 0; i < 2; i++) await buildMessage(app.db, { clientId: p.a.id, authorId: p.managerA.id });
    // 101 by others: the count stops at 100, as the badge does.
    expect(await unread()).toBe(100);
    // Reading to the last but three: three left.
    const history = (await staff.get(`/api/chat/${p.a.id}/messages?limit=4`)).body.messages;
    expect((await staff.post(`/api/chat/${p.a.id}/read`, { lastReadId: history[0].id })).body.unread).toBe(3);
    expect(await unread()).toBe(3);
  });

  it('is 403 module_disabled for a portal user whose Chat module is off (staff unaffected)', async () => {
    const p = await chatPeople(app.db);
    await setClientModules(app.db, p.a.id, { chat: false });
    const r = await (await signIn(app, p.managerA)).get('/api/chat/channels');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('module_disabled');
    const s = await (await signIn(app, p.analyst)).get('/api/chat/channels');
    expect(s.body.channels.find((c: any) => c.clientId === p.a.id).chatEnabled).toBe(false);
  });
});

describe('GET /api/chat/:clientId/messages', () => {
  it('pages history newest page first with the read position; other client 404; bad query 400', async () => {
    const p = await chatPeople(app.db);
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await buildMessage(app.db, { clientId: p.a.id, authorId: p.collabA.id, body: `m${i}` }));
    const viewer = await signIn(app, p.viewerA);
    await viewer.post(`/api/chat/${p.a.id}/read`, { lastReadId: ids[1] });
    const first = await viewer.get(`/api/chat/${p.a.id}/messages?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.messages.map((m: any) => m.body)).toEqual(['m4', 'm5']);
    expect(first.body).toMatchObject({ hasMore: true, lastReadId: ids[1], canWrite: false });
    const older = await viewer.get(`/api/chat/${p.a.id}/messages?limit=2&before=${first.body.messages[0].id}`);
    expect(older.body.messages.map((m: any) => m.body)).toEqual(['m2', 'm3']);

    expect((await (await signIn(app, p.managerB)).get(`/api/chat/${p.a.id}/messages`)).status).toBe(404);
    expect((await anon().get(`/api/chat/${p.a.id}/messages`)).status).toBe(401);
    expect((await (await signIn(app, p.analyst)).get(`/api/chat/${crypto.randomUUID()}/messages`)).status).toBe(404);
    for (const q of ['limit=0', 'limit=abc', 'limit=101', 'before=-1', 'sort=asc']) {
      const r = await viewer.get(`/api/chat/${p.a.id}/messages?${q}`);
      expect(r.status, q).toBe(400);
    }
    await setClientModules(app.db, p.a.id, { chat: false });
    expect((await viewer.get(`/api/chat/${p.a.id}/messages`)).body.error.code).toBe('module_disabled');
    expect((await (await signIn(app, p.analyst)).get(`/api/chat/${p.a.id}/messages`)).status).toBe(200);
  });
});

describe('POST /api/chat/:clientId/messages', () => {
  it('sends as a Collaborator and as staff, idempotent on clientMessageId, with the event logged', async () => {
    const p = await chatPeople(app.db);
    const collab = await signIn(app, p.collabA);
    const key = cmid();
    const r = await collab.post(`/api/chat/${p.a.id}/messages`, { body: '  Hello **team**  ', clientMessageId: key });
    expect(r.status, r.text).toBe(201);
    expect(r.body.message).toMatchObject({ body: 'Hello **team**', clientMessageId: key, author: { id: p.collabA.id, kind: 'portal' }, deleted: false });
    expect(r.body.message.bodyHtml).toContain('<strong>team</strong>');
    const again = await collab.post(`/api/chat/${p.a.id}/messages`, { body: 'different text', clientMessageId: key });
    expect(again.status).toBe(200);
    expect(again.body.message.id).toBe(r.body.message.id);
    expect(await app.db.selectFrom('chat_messages').select('id').where('client_id', '=', p.a.id).execute()).toHaveLength(1);
    const ev = await app.db.selectFrom('client_events').selectAll().where('client_id', '=', p.a.id).execute();
    expect(ev.map((e) => [e.type, e.audience, e.entity_id])).toEqual([['message:created', 'all', String(r.body.message.id)]]);
    const staff = await signIn(app, p.analyst);
    expect((await send(staff, p.a.id, 'Answer from the firm')).status).toBe(201);
    // The same id for another client's channel is a conflict, not that other message.
    const reused = cmid();
    expect((await staff.post(`/api/chat/${p.a.id}/messages`, { body: 'to A', clientMessageId: reused })).status).toBe(201);
    const before = await chatSnapshot(app.db);
    expect((await staff.post(`/api/chat/${p.b.id}/messages`, { body: 'to B', clientMessageId: reused })).status).toBe(409);
    expect(await chatSnapshot(app.db)).toBe(before);
    expect((await send(await signIn(app, p.managerA), p.a.id, 'Manager here')).status).toBe(201);
  });

  it('refuses anonymous 401, the other client 404, a Viewer 403, module off 403, an archived client 403', async () => {
    const p = await chatPeople(app.db);
    const before = await chatSnapshot(app.db);
    expect((await send(anon(), p.a.id, 'x')).status).toBe(401);
    expect((await send(await signIn(app, p.managerB), p.a.id, 'x')).status).toBe(404);
    expect((await send(await signIn(app, p.viewerA), p.a.id, 'x')).status).toBe(403);
    await setClientModules(app.db, p.a.id, { chat: false });
    const off = await send(await signIn(app, p.collabA), p.a.id, 'x');
    expect([off.status, off.body.error.code]).toEqual([403, 'module_disabled']);
    await app.db.updateTable('clients').set({ archived_at: Date.now() }).where('id', '=', p.b.id).execute();
    expect((await send(await signIn(app, p.analyst), p.b.id, 'x')).status).toBe(403);
    expect(await chatSnapshot(app.db)).toBe(before);
  });

  it('refuses invalid input with 400 and writes nothing', async () => {
    const p = await chatPeople(app.db);
    const collab = await signIn(app, p.collabA);
    const before = await chatSnapshot(app.db);
    const bad: unknown[] = [
      { body: '   ', clientMessageId: cmid() },
      { body: 'x'.repeat(10_001), clientMessageId: cmid() },
      { body: 'x', clientMessageId: 'short' },
      { body: 'x', clientMessageId: cmid(), extra: 1 },
      { body: 'x', clientMessageId: cmid(), clientId: p.a.id },
      { body: 42, clientMessageId: cmid() },
      { body: 'x' },
      JSON.parse('{"body":"x","clientMessageId":"abcdefghij","__proto__":{"admin":true}}'),
    ];
    for (const b of bad) {
      const r = await collab.post(`/api/chat/${p.a.id}/messages`, b);
      expect(r.status, JSON.stringify(b).slice(0, 80)).toBe(400);
    }
    expect(await chatSnapshot(app.db)).toBe(before);
  });

  it('writes sends that arrive together as one batch: each answered, a replay once, a foreign file failing alone', async () => {
    const p = await chatPeople(app.db);
    const collab = await signIn(app, p.collabA);
    const manager = await signIn(app, p.managerA);
    const theirs = (await uploadChatFile(app, manager, p.a.id, await smallPng(), 'theirs.png')).body.attachment;
    const eventsBefore = Number(
      (
        await app.db
          .selectFrom('client_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const twice = cmid();
    const results = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => send(i % 2 ? collab : manager, p.a.id, `together ${i}`)),
      collab.post(`/api/chat/${p.a.id}/messages`, { body: 'same key', clientMessageId: twice }),
      collab.post(`/api/chat/${p.a.id}/messages`, { body: 'same key', clientMessageId: twice }),
      send(collab, p.a.id, 'not my file', { attachmentIds: [theirs.id] }),
    ]);
    expect(results.slice(0, 8).map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(results.at(-1)!.status).toBe(400);
    const [first, second] = [results[8]!, results[9]!];
    expect([first.status, second.status].sort()).toEqual([200, 201]);
    expect(first.body.message.id).toBe(second.body.message.id);
    const rows = await app.db
      .selectFrom('chat_messages')
      .select(['id', 'body'])
      .where('client_id', '=', p.a.id)
      .where('body', 'in', ['same key', 'not my file'])
      .execute();
    expect(rows.map((r) => r.body)).toEqual(['same key']);
    // One event per message made (8 + 1), and each sender has read up to their newest message.
    const eventsAfter = Number(
      (
        await app.db
          .selectFrom('client_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(eventsAfter - eventsBefore).toBe(9);
    const newest = (author: string) =>
      Math.max(...results.filter((r) => r.status === 201 && r.body.message.author.id === author).map((r) => r.body.message.id as number));
    const reads = await app.db.selectFrom('chat_reads').select(['user_id', 'last_read_id']).where('client_id', '=', p.a.id).execute();
    expect(reads.find((r) => r.user_id === p.collabA.id)?.last_read_id).toBe(newest(p.collabA.id));
    expect(reads.find((r) => r.user_id === p.managerA.id)?.last_read_id).toBe(newest(p.managerA.id));
    expect((await app.db.selectFrom('attachments').select('message_id').where('id', '=', theirs.id).executeTakeFirstOrThrow()).message_id).toBeNull();
  });

  it('attaches only the sender’s own pending files of this client (else 400, nothing written)', async () => {
    const p = await chatPeople(app.db);
    const collab = await signIn(app, p.collabA);
    const manager = await signIn(app, p.managerA);
    const png = await smallPng();
    const mine = (await uploadChatFile(app, collab, p.a.id, png, 'mine.png')).body.attachment;
    const theirs = (await uploadChatFile(app, manager, p.a.id, png, 'theirs.png')).body.attachment;
    const before = await chatSnapshot(app.db);
    const r = await send(collab, p.a.id, 'two files', { attachmentIds: [mine.id, theirs.id] });
    expect(r.status).toBe(400);
    expect((await send(collab, p.a.id, '', { attachmentIds: [crypto.randomUUID()] })).status).toBe(400);
    expect(await chatSnapshot(app.db)).toBe(before);
    const ok = await send(collab, p.a.id, '', { attachmentIds: [mine.id] });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.message.attachments).toMatchObject([{ id: mine.id, kind: 'image', name: 'mine.png' }]);
    // Already attached: cannot be attached a second time.
    expect((await send(collab, p.a.id, 'again', { attachmentIds: [mine.id] })).status).toBe(400);
  });
});

describe('PATCH and DELETE /api/chat/messages/:id', () => {
  it('lets the author edit and delete (tombstone, files no longer served); others are refused', async () => {
    const p = await chatPeople(app.db);
    const collab = await signIn(app, p.collabA);
    const att = (await uploadChatFile(app, collab, p.a.id, await smallPng(), 'pic.png')).body.attachment;
    const sent = (await send(collab, p.a.id, 'typo hre', { attachmentIds: [att.id] })).body.message;
    const url = `/api/chat/messages/${sent.id}`;

    expect((await anon().patch(url, { body: 'x' })).status).toBe(401);
    expect((await (await signIn(app, p.managerB)).patch(url, { body: 'x' })).status).toBe(404);
    expect((await (await signIn(app, p.viewerA)).patch(url, { body: 'x' })).status).toBe(403);
    expect((await (await signIn(app, p.managerA)).patch(url, { body: 'x' })).status).toBe(403);
    expect((await (await signIn(app, p.analyst)).delete(url)).status).toBe(403);
    const before = await chatSnapshot(app.db);
    for (const b of [{ body: 'x'.repeat(10_001) }, { body: 5 }, { body: 'x', more: 1 }, {}]) expect((await collab.patch(url, b)).status).toBe(400);
    expect((await collab.patch('/api/chat/messages/abc', { body: 'x' })).status).toBe(404);
    expect((await collab.patch('/api/chat/messages/999999', { body: 'x' })).status).toBe(404);
    expect(await chatSnapshot(app.db)).toBe(before);

    const edited = await collab.patch(url, { body: 'typo here' });
    expect(edited.status).toBe(200);
    expect(edited.body.message.body).toBe('typo here');
    expect(edited.body.message.editedAt).not.toBeNull();
    expect((await getBytes(app, collab, att.url)).status).toBe(200);

    const del = await collab.delete(url);
    expect(del.status).toBe(200);
    expect(del.body.message).toMatchObject({ deleted: true, body: '', bodyHtml: '', attachments: [] });
    expect((await getBytes(app, collab, att.url)).status).toBe(404);
    expect((await getBytes(app, await signIn(app, p.analyst), att.thumbUrl)).status).toBe(404);
    expect((await collab.delete(url)).status).toBe(404);
    const hist = await collab.get(`/api/chat/${p.a.id}/messages`);
    expect(hist.body.messages[0]).toMatchObject({ id: sent.id, deleted: true, body: '' });
    const types = (await app.db.selectFrom('client_events').select('type').where('client_id', '=', p.a.id).orderBy('position').execute()).map((e) => e.type);
    expect(types).toEqual(['message:created', 'message:updated', 'message:deleted']);
  });
});

describe('POST /api/chat/:clientId/read', () => {
  it('moves the read position forward only, never past the newest message', async () => {
    const p = await chatPeople(app.db);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await buildMessage(app.db, { clientId: p.a.id, authorId: p.analyst.id }));
    const viewer = await signIn(app, p.viewerA);
    expect((await viewer.post(`/api/chat/${p.a.id}/read`, { lastReadId: ids[1] })).body).toEqual({ lastReadId: ids[1], unread: 1 });
    expect((await viewer.post(`/api/chat/${p.a.id}/read`, { lastReadId: ids[0] })).body.lastReadId).toBe(ids[1]);
    expect((await viewer.post(`/api/chat/${p.a.id}/read`, { lastReadId: 10_000_000 })).body).toEqual({ lastReadId: ids[2], unread: 0 });
    expect((await anon().post(`/api/chat/${p.a.id}/read`, { lastReadId: 1 })).status).toBe(401);
    expect((await (await signIn(app, p.managerB)).post(`/api/chat/${p.a.id}/read`, { lastReadId: 1 })).status).toBe(404);
    for (const b of [{}, { lastReadId: -1 }, { lastReadId: '3' }, { lastReadId: 1.5 }, { lastReadId: 1, x: 1 }]) {
      expect((await viewer.post(`/api/chat/${p.a.id}/read`, b)).status).toBe(400);
    }
    expect((await viewer.get(`/api/chat/${p.a.id}/messages`)).body.lastReadId).toBe(ids[2]);
  });
});

describe('POST /api/chat/:clientId/attachments', () => {
  it('stores an image re-encoded without metadata, with a thumbnail, pending and visible to its uploader only', async () => {
    const p = await chatPeople(app.db);
    const collab = await signIn(app, p.collabA);
    const jpeg = await jpegWithGps();
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();
    const up = await uploadChatFile(app, collab, p.a.id, jpeg, 'holiday.jpg', 'image/jpeg');
    expect(up.status, up.text).toBe(201);
    expect(up.body.attachment).toMatchObject({ kind: 'image', name: 'holiday.jpg', mime: 'image/jpeg', width: 640, height: 480 });
    const file = await getBytes(app, collab, up.body.attachment.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(file.headers.get('content-disposition')).toMatch(/^inline; filename="holiday.jpg"/);
    const meta = await sharp(file.bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(file.bytes.includes(Buffer.from('Spy 3000'))).toBe(false);
    const thumb = await getBytes(app, collab, up.body.attachment.thumbUrl);
    expect(thumb.status).toBe(200);
    expect((await sharp(thumb.bytes).metadata()).format).toBe('webp');
    // Pending: nobody but the uploader, not even staff.
    expect((await getBytes(app, await signIn(app, p.analyst), up.body.attachment.url)).status).toBe(404);
    expect((await getBytes(app, await signIn(app, p.managerA), up.body.attachment.url)).status).toBe(404);
    const row = await app.db.selectFrom('attachments').selectAll().where('id', '=', up.body.attachment.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ purpose: 'chat', uploader_id: p.collabA.id, message_id: null, client_id: p.a.id });
    expect(row.file).toMatch(/^attachments\/[0-9a-f]{32}\.jpg$/);
  });

  it('accepts a PDF and text, refuses disguised and unlisted files (415), an empty body (400), and the wrong people', async () => {
    const p = await chatPeople(app.db);
    const collab = await signIn(app, p.collabA);
    expect((await uploadChatFile(app, collab, p.a.id, tinyPdf(), 'report.pdf')).status).toBe(201);
    const csv = await uploadChatFile(app, collab, p.a.id, Buffer.from('host,port\n10.0.0.1,443\n'), 'scan.csv');
    expect(csv.status).toBe(201);
    expect(csv.body.attachment).toMatchObject({ kind: 'file', mime: 'text/plain', thumbUrl: null });
    const before = await chatSnapshot(app.db);
    const disguised = [
      [Buffer.from('<?php system($_GET["c"]); ?>'), 'avatar.png'],
      [tinyPdf(), 'picture.jpg'],
      [Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(200, 1)]), 'tool.png'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'logo.svg'],
      [Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(50, 0)]), 'fake.pdf'],
    ] as const;
    for (const [bytes, name] of disguised) {
      const r = await uploadChatFile(app, collab, p.a.id, bytes, name, 'image/png');
      expect(r.status, name).toBe(415);
    }
    expect((await uploadChatFile(app, collab, p.a.id, Buffer.alloc(0), 'empty.txt')).status).toBe(400);
    expect((await collab.post(`/api/chat/${p.a.id}/attachments?name=x.txt`, { not: 'a file' })).status).toBe(415);
    expect((await uploadChatFile(app, null, p.a.id, await smallPng())).status).toBe(401);
    expect((await uploadChatFile(app, await signIn(app, p.viewerA), p.a.id, await smallPng())).status).toBe(403);
    expect((await uploadChatFile(app, await signIn(app, p.managerB), p.a.id, await smallPng())).status).toBe(404);
    expect((await postRawQuery(collab, p.a.id, 'bogus=1')).status).toBe(400);
    expect(await chatSnapshot(app.db)).toBe(before);
    await setClientModules(app.db, p.a.id, { chat: false });
    const off = await uploadChatFile(app, collab, p.a.id, await smallPng());
    expect([off.status, off.body.error.code]).toEqual([403, 'module_disabled']);
  });

  it('refuses a file over CHAT_FILE_MAX_MB with 413 and keeps nothing', async () => {
    const small = await startTestApp({ CHAT_FILE_MAX_MB: '1' });
    try {
      const p = await chatPeople(small.db);
      const collab = await signIn(small, p.collabA);
      const r = await uploadChatFile(small, collab, p.a.id, Buffer.alloc(1024 * 1024 + 10, 'a'), 'big.txt');
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('payload_too_large');
      expect(await small.db.selectFrom('attachments').selectAll().execute()).toEqual([]);
      expect((await uploadChatFile(small, collab, p.a.id, Buffer.alloc(1024 * 1024 - 10, 'a'), 'fits.txt')).status).toBe(201);
    } finally {
      await small.close();
    }
  });

  async function postRawQuery(agent: Agent, clientId: string, q: string) {
    const { postRaw } = await import('../support/evidence.js');
    return postRaw(app, agent, `/chat/${clientId}/attachments?${q}`, Buffer.from('hello'));
  }
});

describe('GET /api/attachments/:id and /thumb', () => {
  it('serves a shared file to staff and the client’s people, 404 to others, 403 with the module off, and audits every download', async () => {
    const p = await chatPeople(app.db);
    const mid = await buildMessage(app.db, { clientId: p.a.id, authorId: p.collabA.id });
    const att = await buildAttachment(app, { clientId: p.a.id, uploaderId: p.collabA.id, messageId: mid, bytes: await smallPng() });
    const url = `/api/attachments/${att.id}`;
    for (const u of [p.viewerA, p.managerA, p.analyst]) {
      const r = await getBytes(app, await signIn(app, u), url);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/png');
      expect(r.headers.get('cache-control')).toBe('private, no-store');
    }
    expect((await getBytes(app, await signIn(app, p.viewerA), `${url}/thumb`)).status).toBe(200);
    expect((await getBytes(app, null, url)).status).toBe(401);
    expect((await getBytes(app, await signIn(app, p.managerB), url)).status).toBe(404);
    expect((await getBytes(app, await signIn(app, p.analyst), `/api/attachments/${crypto.randomUUID()}`)).status).toBe(404);
    await eventually(
      async () =>
        (await app.db.selectFrom('audit_events').select('id').where('target_id', '=', att.id).where('outcome', '=', 'success').execute()).length === 4,
    );
    const denied = await app.db.selectFrom('audit_events').selectAll().where('target_id', '=', att.id).where('outcome', '=', 'denied').execute();
    expect(denied.length).toBe(2);
    await setClientModules(app.db, p.a.id, { chat: false });
    expect((await getBytes(app, await signIn(app, p.viewerA), url)).status).toBe(403);
    expect((await getBytes(app, await signIn(app, p.analyst), url)).status).toBe(200);
  });

  it('serves a text file as a download, never inline', async () => {
    const p = await chatPeople(app.db);
    const mid = await buildMessage(app.db, { clientId: p.a.id, authorId: p.analyst.id });
    const att = await buildAttachment(app, {
      clientId: p.a.id,
      uploaderId: p.analyst.id,
      messageId: mid,
      bytes: Buffer.from('<script>alert(1)</script>'),
      ext: 'txt',
    });
    const r = await getBytes(app, await signIn(app, p.viewerA), `/api/attachments/${att.id}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toContain('sandbox');
    expect((await getBytes(app, await signIn(app, p.viewerA), `/api/attachments/${att.id}/thumb`)).status).toBe(404);
  });

  it('serves remediation evidence to staff, and to the client’s people only while the round’s finding is published', async () => {
    const p = await chatPeople(app.db);
    const { buildFinding } = await import('../support/workspace.js');
    const finding = await buildFinding(app.db, { client_id: p.a.id, published: false } as any);
    const roundId = crypto.randomUUID();
    await app.db
      .insertInto('remediation_rounds')
      .values({
        id: roundId,
        finding_id: finding.id,
        client_id: p.a.id,
        round_no: 1,
        retest_request_id: null,
        submitted_by: p.managerA.id,
        submitted_at: Date.now(),
        submit_notes: 'fixed',
        verdict: null,
        verdict_by: null,
        verdict_at: null,
        verdict_notes: null,
      })
      .execute();
    const att = await buildAttachment(app, { clientId: p.a.id, uploaderId: p.managerA.id, roundId, purpose: 'remediation', bytes: await smallPng() });
    const url = `/api/attachments/${att.id}`;
    expect((await getBytes(app, await signIn(app, p.analyst), url)).status).toBe(200);
    expect((await getBytes(app, await signIn(app, p.viewerA), url)).status).toBe(404);
    await app.db.updateTable('findings').set({ published: 1 }).where('id', '=', finding.id).execute();
    expect((await getBytes(app, await signIn(app, p.viewerA), url)).status).toBe(200);
    expect((await getBytes(app, await signIn(app, p.managerB), url)).status).toBe(404);
  });

  it('lets a second portal user of the client download once the file is shared in a message', async () => {
    const p = await chatPeople(app.db);
    const other = await buildPortalUser(app.db, { client_id: p.a.id, role: 'viewer' });
    const collab = await signIn(app, p.collabA);
    const att = (await uploadChatFile(app, collab, p.a.id, await smallPng(), 'pic.png')).body.attachment;
    expect((await getBytes(app, await signIn(app, other), att.url)).status).toBe(404);
    expect((await send(collab, p.a.id, 'look', { attachmentIds: [att.id] })).status).toBe(201);
    expect((await getBytes(app, await signIn(app, other), att.url)).status).toBe(200);
  });
});
