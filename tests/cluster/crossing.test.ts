import { createClient } from 'redis';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mentionToken } from '../../server/contracts/constants.js';
import { cmid } from '../support/chat.js';
import { agentFor, demoIds, signIn, startCluster, target, type Cluster } from '../support/cluster.js';
import type { Agent } from '../support/http.js';
import { ask, connected, connectSocket, recordAll, until } from '../support/socket.js';

/**
 * What crosses instances through the Redis Streams adapter (issue 14, points 6–8): presence,
 * typing and pushes to a person reach sockets on other instances; someone in the channel on
 * another instance is not told "new message while you were away"; and nothing the adapter puts
 * into Redis (its stream, its pub/sub messages) holds a password hash, a TOTP secret, a session
 * hash or a session token.
 */
let c: Cluster;
const open: Socket[] = [];
const ids: Record<string, string> = {};
let people: Record<'ada' | 'carla' | 'dev', Agent>;

beforeAll(async () => {
  c = await startCluster();
  const [a, b, cc] = c.instances;
  people = {
    carla: await signIn(c, a.url, 'carla@contoso.example'),
    dev: await signIn(c, b.url, 'dev@contoso.example'),
    ada: await signIn(c, cc.url, 'ada@northwind.example'),
  };
  Object.assign(ids, await demoIds(c));
}, 120_000);
afterAll(async () => {
  open.forEach((s) => s.close());
  await c?.stop();
});

async function socketOn(url: string, agent: Agent) {
  const s = connectSocket(target(url), agentFor(c, url, agent.cookie), { origin: c.lbUrl });
  open.push(s);
  const rec = recordAll(s);
  await connected(s);
  return { s, rec };
}

describe('across instances', () => {
  it('presence, typing and pushes cross instances, and the adapter puts no secret into Redis', async () => {
    const [a, b, cc] = c.instances;
    // Everything the adapter sends through Redis during the scenario: pub/sub messages and the stream.
    const spy = createClient({ url: c.redis.url });
    spy.on('error', () => {});
    await spy.connect();
    const reader = spy.duplicate();
    reader.on('error', () => {});
    await reader.connect();
    const captured: Buffer[] = [];
    await spy.pSubscribe('*', (message) => void captured.push(message), true);

    const carla = await socketOn(a.url, people.carla);
    const dev = await socketOn(b.url, people.dev);
    const ada = await socketOn(cc.url, people.ada);
    const channel = { kind: 'channel', id: ids.contoso };

    // Presence: who is here spans instances.
    expect((await ask(carla.s, 'presence:join', { target: channel })).ok).toBe(true);
    const devJoin = await ask(dev.s, 'presence:join', { target: channel });
    expect(devJoin.present.map((p: { name: string }) => p.name).sort()).toEqual(['Carla Mendes', 'Dev Patel']);
    await until(() => carla.rec.ofType('presence:changed').some((p) => p.present.length === 2), 'Carla (A) sees Dev (B) arrive');
    const adaJoin = await ask(ada.s, 'presence:join', { target: channel });
    expect(adaJoin.present.map((p: { name: string }) => p.name).sort()).toEqual(['Ada Whitfield', 'Carla Mendes', 'Dev Patel']);

    // Typing: Dev on B, heard on A and C.
    expect((await ask(dev.s, 'typing:start', { target: channel })).ok).toBe(true);
    await until(() => carla.rec.ofType('typing:changed').some((t) => t.user.name === 'Dev Patel' && t.typing), 'Carla hears Dev typing');
    await until(() => ada.rec.ofType('typing:changed').some((t) => t.user.name === 'Dev Patel' && t.typing), 'Ada hears Dev typing');

    // A push to a person: Ada (on C) mentions Carla in a comment written through B; Carla is on A.
    const finding = (await c.query<{ id: string }>('select id from findings where client_id = $1 and published = 1 limit 1', [ids.contoso]))[0]!.id;
    const res = await agentFor(c, b.url, people.ada.cookie).post(`/api/findings/${finding}/comments`, {
      body: `${mentionToken({ id: ids.carla!, name: 'Carla Mendes' })} please confirm`,
      clientMessageId: cmid(),
    });
    expect(res.status).toBe(201);
    await until(() => carla.rec.ofType('notification:created').some((n) => n.notification.kind === 'mention'), 'the mention pushed to Carla on A', 10_000);
    expect(dev.rec.ofType('notification:created')).toEqual([]);

    // "While you were away": Carla and Dev are in the channel (on A and B): a message from Ada tells neither.
    // Erin (Contoso, not connected anywhere) is told.
    expect(
      (await agentFor(c, cc.url, people.ada.cookie).post(`/api/chat/${ids.contoso}/messages`, { body: 'are you there?', clientMessageId: cmid() })).status,
    ).toBe(201);
    await until(() => false, '', 2500).catch(() => {});
    const told = await c.query<{ user_id: string }>("select user_id from notifications where kind = 'chat' and client_id = $1", [ids.contoso]);
    expect(told.map((r) => r.user_id)).toContain(ids.erin);
    expect(told.map((r) => r.user_id)).not.toContain(ids.carla);
    expect(told.map((r) => r.user_id)).not.toContain(ids.dev);

    // The stream too (revocation broadcasts and the like go there).
    const stream = await reader.xRange('debrief:socket.io', '-', '+');
    const wire = Buffer.concat([...captured, Buffer.from(JSON.stringify(stream))]);
    expect(captured.length, 'the adapter spoke through Redis').toBeGreaterThan(5);
    expect(wire.includes('Dev Patel'), 'presence data crossed through Redis').toBe(true);
    const secrets = await c.query<{ password_hash: string | null; totp_secret_enc: Buffer | null }>('select password_hash, totp_secret_enc from users');
    const sessions = await c.query<{ secret_hash: Buffer }>('select secret_hash from sessions');
    for (const u of secrets) {
      if (u.password_hash) expect(wire.includes(u.password_hash)).toBe(false);
      if (u.totp_secret_enc)
        for (const form of [u.totp_secret_enc, u.totp_secret_enc.toString('base64'), u.totp_secret_enc.toString('hex')])
          expect(wire.includes(form)).toBe(false);
    }
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions)
      for (const form of [s.secret_hash, s.secret_hash.toString('base64'), s.secret_hash.toString('hex')]) expect(wire.includes(form)).toBe(false);
    for (const agent of Object.values(people)) {
      const token = agent.cookie!.slice(agent.cookie!.indexOf('=') + 1);
      expect(wire.includes(token), 'a session token crossed through Redis').toBe(false);
    }
    await spy.quit();
    await reader.quit();
  }, 60_000);
});
