import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { signIn } from '../support/factories.js';
import { appWithSockets, ask, connected, connectSocket, feedSocket, recordAll, until } from '../support/socket.js';
import { chatPeople, chatSnapshot, cmid, uploadChatFile } from '../support/chat.js';
import { smallPng } from '../support/images.js';

/**
 * The chat channel over sockets: staff, two people of client A (Collaborator and Manager) and a
 * Manager of client B. `message:send` runs the same command as the HTTP POST.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

async function world() {
  const p = await chatPeople(app.db);
  const agents = {
    staff: await signIn(app, p.analyst),
    collab: await signIn(app, p.collabA),
    manager: await signIn(app, p.managerA),
    other: await signIn(app, p.managerB),
  };
  const s = {
    staff: (await feedSocket(app, agents.staff)).socket,
    collab: (await feedSocket(app, agents.collab)).socket,
    manager: (await feedSocket(app, agents.manager)).socket,
    other: (await feedSocket(app, agents.other)).socket,
  };
  open.push(...Object.values(s));
  const rec = { staff: recordAll(s.staff), collab: recordAll(s.collab), manager: recordAll(s.manager), other: recordAll(s.other) };
  return { p, agents, s, rec };
}

const messageEvents = (r: ReturnType<typeof recordAll>) => r.events.filter(([e]) => e.startsWith('message:'));

describe('message:send', () => {
  it('delivers A’s messages (and staff answers) to A’s sockets and staff, never to B', async () => {
    const { p, agents, s, rec } = await world();
    const png = await smallPng('#2e90fa');
    const att = (await uploadChatFile(app, agents.collab, p.a.id, png, 'screen.png')).body.attachment;
    const ack = await ask(s.collab, 'message:send', { body: 'Is the VPN finding fixed?', clientMessageId: cmid(), attachmentIds: [att.id] });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    expect(ack.message).toMatchObject({
      clientId: p.a.id,
      body: 'Is the VPN finding fixed?',
      author: { id: p.collabA.id },
      attachments: [{ id: att.id, kind: 'image' }],
    });
    const reply = await ask(s.staff, 'message:send', { clientId: p.a.id, body: 'Yes, retested this morning.', clientMessageId: cmid() });
    expect(reply.ok).toBe(true);

    for (const r of [rec.staff, rec.collab, rec.manager]) {
      await until(() => r.ofType('message:created').length === 2, 'both messages pushed');
      expect(r.ofType('message:created').map((e) => e.data.body)).toEqual(['Is the VPN finding fixed?', 'Yes, retested this morning.']);
      expect(r.ofType('message:created')[0].data.attachments[0].thumbUrl).toBe(`/api/attachments/${att.id}/thumb`);
    }
    // Edits and deletes over HTTP are pushed the same way.
    expect((await agents.staff.patch(`/api/chat/messages/${reply.message.id}`, { body: 'Yes — retested.' })).status).toBe(200);
    expect((await agents.collab.delete(`/api/chat/messages/${ack.message.id}`)).status).toBe(200);
    await until(() => rec.manager.ofType('message:deleted').length === 1 && rec.manager.ofType('message:updated').length === 1, 'edit and delete pushed');
    expect(rec.manager.ofType('message:updated')[0].data.body).toBe('Yes — retested.');
    expect(rec.manager.ofType('message:deleted')[0].data).toMatchObject({ id: ack.message.id, deleted: true, body: '', attachments: [] });

    await app.server.drain();
    expect(messageEvents(rec.other)).toEqual([]);
    // A portal user cannot write into another client's channel by naming it.
    const cross = await ask(s.other, 'message:send', { clientId: p.a.id, body: 'hello A', clientMessageId: cmid() });
    expect(cross).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const noClient = await ask(s.staff, 'message:send', { body: 'which client?', clientMessageId: cmid() });
    expect(noClient).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('is idempotent: the same clientMessageId twice (even at once) makes one message', async () => {
    const { p, s, rec } = await world();
    const key = cmid();
    const [one, two] = await Promise.all([
      ask(s.manager, 'message:send', { body: 'Only once', clientMessageId: key }),
      ask(s.manager, 'message:send', { body: 'Only once', clientMessageId: key }),
    ]);
    const three = await ask(s.manager, 'message:send', { body: 'Only once', clientMessageId: key });
    expect([one.ok, two.ok, three.ok]).toEqual([true, true, true]);
    expect(new Set([one.message.id, two.message.id, three.message.id]).size).toBe(1);
    expect(await app.db.selectFrom('chat_messages').select('id').where('client_id', '=', p.a.id).execute()).toHaveLength(1);
    await app.server.drain();
    expect(rec.staff.ofType('message:created')).toHaveLength(1);
  });

  it('rate-limits 1,000 sends in ten seconds from one user; other people are unaffected', async () => {
    const { p, s } = await world();
    const started = Date.now();
    const acks = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => ask(s.collab, 'message:send', { body: `flood ${i}`, clientMessageId: cmid() }, 15_000)),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    const ok = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => !a.ok && a.error.code === 'rate_limited').length;
    expect(ok + limited).toBe(1000);
    expect(limited).toBeGreaterThan(900);
    expect(ok).toBeGreaterThan(0);
    const stored = await app.db.selectFrom('chat_messages').select('id').where('author_id', '=', p.collabA.id).execute();
    expect(stored).toHaveLength(ok);
    // The Manager of the same client and staff still send at once.
    expect((await ask(s.manager, 'message:send', { body: 'Still here', clientMessageId: cmid() })).ok).toBe(true);
    expect((await ask(s.staff, 'message:send', { clientId: p.a.id, body: 'Us too', clientMessageId: cmid() })).ok).toBe(true);
  });

  it('answers malformed payloads, unknown keys and __proto__ with an error ack and writes nothing', async () => {
    const { p, s } = await world();
    const sock = s.collab;
    await app.server.drain();
    const before = await chatSnapshot(app.db);
    const bad: unknown[] = [
      null,
      'hello',
      42,
      [1, 2],
      [],
      {},
      { body: 'x' },
      { body: 5, clientMessageId: cmid() },
      { body: 'x', clientMessageId: 'no' },
      { body: '   ', clientMessageId: cmid() },
      { body: 'x'.repeat(10_001), clientMessageId: cmid() },
      { body: 'x', clientMessageId: cmid(), room: `client:${p.b.id}:portal` },
      { body: 'x', clientMessageId: cmid(), attachmentIds: 'all' },
      { body: 'x', clientMessageId: cmid(), attachmentIds: [crypto.randomUUID()] },
      JSON.parse(`{"body":"x","clientMessageId":"${cmid()}","__proto__":{"polluted":true}}`),
      { body: 'x', clientMessageId: cmid(), constructor: { prototype: { polluted: true } } },
    ];
    for (const payload of bad) {
      const answer = await ask(sock, 'message:send', payload);
      expect(answer.ok, JSON.stringify(payload)?.slice(0, 80)).toBe(false);
      expect(['validation_failed', 'bad_request']).toContain(answer.error.code);
    }
    // Two arguments, and an event name nobody handles.
    expect((await sock.timeout(5000).emitWithAck('message:send', { body: 'x', clientMessageId: cmid() }, 'extra')).ok).toBe(false);
    expect((await ask(sock, 'message:sendAll', { body: 'x' })).ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await app.server.drain();
    expect(await chatSnapshot(app.db)).toBe(before);
    expect(sock.connected).toBe(true);
    // The process is fine and the socket still works.
    expect((await ask(sock, 'message:send', { body: 'after all that', clientMessageId: cmid() })).ok).toBe(true);
  });

  it('refuses a Viewer and a client whose Chat module is off', async () => {
    const p = await chatPeople(app.db);
    const viewer = connectSocket(app, await signIn(app, p.viewerA));
    open.push(viewer);
    await connected(viewer);
    expect(await ask(viewer, 'message:send', { body: 'x', clientMessageId: cmid() })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await app.db
      .updateTable('clients')
      .set({ modules: JSON.stringify({ chat: false }) })
      .where('id', '=', p.a.id)
      .execute();
    const collab = connectSocket(app, await signIn(app, p.collabA));
    open.push(collab);
    await connected(collab);
    expect(await ask(collab, 'message:send', { body: 'x', clientMessageId: cmid() })).toMatchObject({ ok: false, error: { code: 'module_disabled' } });
  });
});
