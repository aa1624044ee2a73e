import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmid } from '../support/chat.js';
import { agentFor, demoIds, signIn, startCluster, target, type Cluster } from '../support/cluster.js';
import type { Agent } from '../support/http.js';
import { feedSocket } from '../support/socket.js';

/**
 * Revocation across instances (issue 14, point 9): a session ended on instance A — logout, removal,
 * role lowered, portal switched off, an IP allowlist that no longer admits it — closes its
 * sockets on B and C within a second, and no event committed after the revocation reaches them.
 * Then again with Redis frozen (SIGSTOP): the instances ask the database, not Redis.
 */
let c: Cluster;
let ada: Agent;
const ids: Record<string, string> = {};
const open: Socket[] = [];

beforeAll(async () => {
  c = await startCluster();
  ada = await signIn(c, c.instances[0].url, 'ada@northwind.example');
  Object.assign(ids, await demoIds(c));
}, 120_000);
afterAll(async () => {
  open.forEach((s) => s.close());
  await c?.stop();
});

/**
 * `email` signs in on A and holds feed sockets on B and C; `revoke` runs on A; right after it
 * returns, a message is written on A into the victim's client channel. Both sockets must close
 * within a second and neither may receive that message.
 */
async function revokedEverywhere(email: string, client: string, revoke: (victim: Agent) => Promise<{ status: number }>): Promise<void> {
  const [a, b, cc] = c.instances;
  const victim = await signIn(c, a.url, email);
  const sockets = await Promise.all([b.url, cc.url].map((u) => feedSocket(target(u), agentFor(c, u, victim.cookie), null, { origin: c.lbUrl })));
  open.push(...sockets.map((s) => s.socket));
  const closed = sockets.map((s) => new Promise<number>((resolve) => s.socket.once('disconnect', () => resolve(Date.now()))));
  const res = await revoke(victim);
  expect(res.status).toBeLessThan(300);
  const revokedAt = Date.now();
  const marker = `after revocation ${cmid()}`;
  expect((await agentFor(c, a.url, ada.cookie).post(`/api/chat/${client}/messages`, { body: marker, clientMessageId: cmid() })).status).toBe(201);
  const times = await Promise.race([Promise.all(closed), new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
  expect(times, `${email}'s sockets on B and C closed`).not.toBeNull();
  for (const t of times!) expect(t - revokedAt).toBeLessThanOrEqual(1000);
  // Anything that was going to arrive has arrived by now.
  await new Promise((r) => setTimeout(r, 300));
  for (const s of sockets) expect(JSON.stringify(s.live.events)).not.toContain(marker);
}

const asAda = () => agentFor(c, c.instances[0].url, ada.cookie);

function triggers(round: string) {
  it(`${round}: logout`, async () => {
    await revokedEverywhere('dev@contoso.example', ids.contoso!, (victim) => victim.post('/api/auth/logout'));
  }, 30_000);

  it(`${round}: role lowered`, async () => {
    expect((await asAda().patch(`/api/clients/${ids.fabrikam}/users/${ids.grace}`, { role: 'collaborator' })).status).toBe(200);
    await revokedEverywhere('grace@fabrikam.example', ids.fabrikam!, () =>
      asAda().patch(`/api/clients/${ids.fabrikam}/users/${ids.grace}`, { role: 'viewer' }),
    );
  }, 30_000);

  it(`${round}: removed`, async () => {
    const who = round === 'Redis up' ? 'erin' : 'hugo';
    const client = who === 'erin' ? ids.contoso! : ids.fabrikam!;
    await revokedEverywhere(`${who}@${who === 'erin' ? 'contoso' : 'fabrikam'}.example`, client, () =>
      asAda().post(`/api/clients/${client}/users/${ids[who]}/remove`),
    );
  }, 30_000);

  it(`${round}: IP allowlist no longer admits the session`, async () => {
    await revokedEverywhere('carla@contoso.example', ids.contoso!, () =>
      asAda().patch(`/api/clients/${ids.contoso}`, { ipAllowlist: ['10.0.0.0/8'], confirm: true }),
    );
    expect((await asAda().patch(`/api/clients/${ids.contoso}`, { ipAllowlist: [] })).status).toBe(200);
  }, 30_000);

  it(`${round}: portal switched off`, async () => {
    await revokedEverywhere('felix@fabrikam.example', ids.fabrikam!, () =>
      asAda().patch(`/api/clients/${ids.fabrikam}`, { portalEnabled: false, confirm: true }),
    );
    expect((await asAda().patch(`/api/clients/${ids.fabrikam}`, { portalEnabled: true })).status).toBe(200);
  }, 30_000);
}

describe('revocation on three instances', () => {
  triggers('Redis up');
  describe('with Redis frozen (SIGSTOP)', () => {
    beforeAll(() => c.redis.freeze());
    afterAll(() => c.redis.thaw());
    triggers('Redis frozen');
    it('Redis frozen: every instance answers /healthz 200, saying Redis is down, and /readyz 503 naming `redis`', async () => {
      for (const i of c.instances) {
        expect(await (await fetch(`${i.url}/healthz`)).json()).toEqual({ status: 'ok', redis: 'down' });
        const ready = await fetch(`${i.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toEqual({ status: 'unavailable', failing: ['redis'] });
      }
    }, 30_000);
  });
});
