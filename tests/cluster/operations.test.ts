import { createHash } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmid } from '../support/chat.js';
import { agentFor, demoIds, signIn, startCluster, target, type Cluster } from '../support/cluster.js';
import { requestFrom } from '../support/from-address.js';
import type { Agent } from '../support/http.js';
import { smallPng } from '../support/images.js';
import { ask, connected, connectSocket, feedSocket, until } from '../support/socket.js';
import { totpCode } from '../support/totp.js';

/**
 * Several instances as a firm operates them (issue 14): limits that hold across instances, an IP
 * allowlist judged on the client's address through HAProxy, files written by one instance and
 * read by the others, and Redis going away and coming back while the portal keeps working.
 */
let c: Cluster;
const open: Socket[] = [];
const ids: Record<string, string> = {};
let ada: Agent;

beforeAll(async () => {
  c = await startCluster({ MESSAGE_BURST: '3', MESSAGE_RATE_PER_MINUTE: '1', SOCKETS_PER_USER: '2' });
  ada = await signIn(c, c.instances[0].url, 'ada@northwind.example');
  Object.assign(ids, await demoIds(c));
}, 120_000);
afterAll(async () => {
  open.forEach((s) => s.close());
  await c?.stop();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function getBytes(url: string, agent: Agent): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(url, { headers: { cookie: agent.cookie! } });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('operating three instances', () => {
  it('MESSAGE_BURST=3 across the three instances creates exactly 3 messages', async () => {
    const carla = await signIn(c, c.lbUrl, 'carla@contoso.example');
    const before = (await c.query<{ n: number }>('select count(*)::int as n from chat_messages where client_id = $1', [ids.contoso]))[0]!.n;
    const answers = await Promise.all(
      Array.from({ length: 9 }, (_, n) =>
        agentFor(c, c.instances[n % 3]!.url, carla.cookie).post(`/api/chat/${ids.contoso}/messages`, { body: `burst ${n}`, clientMessageId: cmid() }),
      ),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(3);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(6);
    const after = (await c.query<{ n: number }>('select count(*)::int as n from chat_messages where client_id = $1', [ids.contoso]))[0]!.n;
    expect(after - before).toBe(3);
  }, 30_000);

  it('SOCKETS_PER_USER=2 refuses the third socket wherever it lands, and frees up after kill -9 of their instance', async () => {
    const [a, b, cc] = c.instances;
    const dev = await signIn(c, c.lbUrl, 'dev@contoso.example');
    const on = (url: string) => {
      const s = connectSocket(target(url), agentFor(c, url, dev.cookie), { origin: c.lbUrl });
      open.push(s);
      return s;
    };
    await connected(on(a.url));
    await connected(on(b.url));
    await expect(connected(on(cc.url))).rejects.toThrow('too_many_connections');
    await expect(connected(on(c.lbUrl))).rejects.toThrow('too_many_connections');
    await a.kill9();
    // A's socket stops counting once A's entry expires (its heartbeat is gone): within 15 s.
    const t0 = Date.now();
    for (;;) {
      try {
        await connected(on(cc.url));
        break;
      } catch (err) {
        expect(String(err)).toContain('too_many_connections');
        if (Date.now() - t0 > 25_000) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    expect(Date.now() - t0).toBeLessThan(20_000);
    await a.start();
  }, 90_000);

  it('SIGTERM drains an instance: its sockets close (and reconnect elsewhere) and their counts are given back at once', async () => {
    const [a, , cc] = c.instances;
    const hugo = await signIn(c, c.lbUrl, 'hugo@fabrikam.example');
    const on = (url: string) => {
      const s = connectSocket(target(url), agentFor(c, url, hugo.cookie), { origin: c.lbUrl });
      open.push(s);
      return s;
    };
    const held = [await connected(on(cc.url)), await connected(on(cc.url))];
    await expect(connected(on(a.url))).rejects.toThrow('too_many_connections');
    const closed = held.map((s) => new Promise((r) => s.once('disconnect', r)));
    const t0 = Date.now();
    expect(await cc.stop()).toBe(0);
    await Promise.all(closed);
    // Not the 15 s a dead instance's counts take to expire: given back as the sockets closed.
    await connected(on(a.url));
    await connected(on(a.url));
    expect(Date.now() - t0).toBeLessThan(5000);
    await cc.start();
  }, 60_000);

  it('an IP allowlist through HAProxy judges the client’s own address: 127.0.0.2 allowed, 127.0.0.3 refused', async () => {
    expect((await agentFor(c, c.lbUrl, ada.cookie).patch(`/api/clients/${ids.fabrikam}`, { ipAllowlist: ['127.0.0.2/32'], confirm: true })).status).toBe(200);
    const [, password, secret] = /grace@fabrikam\.example\s+(\S+)\s+([A-Z2-7]{32})/.exec(c.demo)!;
    const headers = { origin: c.lbUrl };
    const login = await requestFrom('127.0.0.2', `${c.lbUrl}/api/auth/login`, { method: 'POST', headers, body: { email: 'grace@fabrikam.example', password } });
    expect(login.status).toBe(200);
    const cookie = login.setCookie[0]!.split(';')[0]!;
    const mfa = await requestFrom('127.0.0.2', `${c.lbUrl}/api/auth/mfa`, {
      method: 'POST',
      headers: { ...headers, cookie },
      body: { code: totpCode(secret!) },
    });
    expect(mfa.status).toBe(200);
    const session = mfa.setCookie[0]?.split(';')[0] ?? cookie;
    // Round-robin: six requests reach every instance twice.
    for (let i = 0; i < 6; i++) {
      expect((await requestFrom('127.0.0.2', `${c.lbUrl}/api/session`, { headers: { cookie: session } })).status).toBe(200);
      expect((await requestFrom('127.0.0.3', `${c.lbUrl}/api/session`, { headers: { cookie: session } })).status).toBe(403);
    }
    const agent = agentFor(c, c.lbUrl, session);
    const ok = connectSocket(target(c.lbUrl), agent, { origin: c.lbUrl, localAddress: '127.0.0.2' });
    open.push(ok);
    await connected(ok);
    const refused = connectSocket(target(c.lbUrl), agent, { origin: c.lbUrl, localAddress: '127.0.0.3' });
    open.push(refused);
    await expect(connected(refused)).rejects.toThrow('unauthenticated');
  }, 30_000);

  it('files: evidence uploaded via A, redacted via B, downloaded via C — the same bytes everywhere', async () => {
    const [a, b, cc] = c.instances;
    const finding = (await c.query<{ id: string }>('select id from findings where client_id = $1 limit 1', [ids.contoso]))[0]!.id;
    const png = await smallPng('#123456', 200);
    const up = await fetch(`${a.url}/api/findings/${finding}/evidence?name=shot.png`, {
      method: 'POST',
      headers: { origin: c.lbUrl, cookie: ada.cookie!, 'content-type': 'application/octet-stream' },
      body: Uint8Array.from(png),
    });
    expect(up.status).toBe(201);
    const evidence = ((await up.json()) as { evidence: { id: string } }).evidence;
    const red = await agentFor(c, b.url, ada.cookie).put(`/api/evidence/${evidence.id}/redactions`, { rectangles: [{ x: 10, y: 10, w: 50, h: 50 }] });
    expect(red.status).toBe(200);
    const files = await Promise.all([a, b, cc].map((i) => getBytes(`${i.url}/api/evidence/${evidence.id}/file`, ada)));
    expect(files.map((f) => f.status)).toEqual([200, 200, 200]);
    expect(new Set(files.map((f) => sha(f.bytes))).size).toBe(1);
    const originals = await Promise.all([a, cc].map((i) => getBytes(`${i.url}/api/evidence/${evidence.id}/original`, ada)));
    expect(originals.map((f) => f.status)).toEqual([200, 200]);
    expect(new Set(originals.map((f) => sha(f.bytes))).size).toBe(1);
    expect(sha(files[0]!.bytes)).not.toBe(sha(originals[0]!.bytes)); // the redaction is in the shared file
  }, 30_000);

  it('Redis stopped, then back: HTTP and live events work throughout, /healthz says so, presence recovers', async () => {
    const [a, b, cc] = c.instances;
    const health = async () => Promise.all([a, b, cc].map(async (i) => (await fetch(`${i.url}/healthz`)).json() as Promise<{ status: string; redis: string }>));
    expect(await health()).toEqual([0, 1, 2].map(() => ({ status: 'ok', redis: 'up' })));
    const staffSocket = await feedSocket(target(b.url), agentFor(c, b.url, ada.cookie), null, { origin: c.lbUrl });
    open.push(staffSocket.socket);
    await c.redis.stop();
    await until(async () => (await health()).every((h) => h.status === 'ok' && h.redis === 'down'), '/healthz: 200, redis down', 10_000);
    // HTTP and the live feed (it rides PostgreSQL) go on.
    const erin = await signIn(c, a.url, 'erin@contoso.example');
    const carla = agentFor(c, a.url, (await signIn(c, cc.url, 'carla@contoso.example')).cookie);
    const marker = `while Redis is down ${cmid()}`;
    expect((await carla.post(`/api/chat/${ids.contoso}/messages`, { body: marker, clientMessageId: cmid() })).status).toBe(201);
    await until(() => JSON.stringify(staffSocket.live.events).includes(marker), 'the message live on B', 10_000);
    await c.redis.start();
    await until(async () => (await health()).every((h) => h.redis === 'up'), '/healthz: redis up again', 15_000);
    // Presence spans instances again.
    const channel = { kind: 'channel', id: ids.contoso };
    const on = async (url: string, agent: Agent) => {
      const s = connectSocket(target(url), agentFor(c, url, agent.cookie), { origin: c.lbUrl });
      open.push(s);
      return connected(s);
    };
    const erinOnA = await on(a.url, erin);
    expect((await ask(erinOnA, 'presence:join', { target: channel })).ok).toBe(true);
    const adaOnC = await on(cc.url, ada);
    await until(
      async () => {
        const r = await ask(adaOnC, 'presence:join', { target: channel });
        return r.present.some((p: { name: string }) => p.name === 'Erin Walsh');
      },
      'Ada on C sees Erin on A',
      15_000,
    );
  }, 90_000);
});
