import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmid } from '../support/chat.js';
import { agentFor, signIn, startCluster, target, type Cluster } from '../support/cluster.js';
import type { Agent } from '../support/http.js';
import { feedSocket, recordAll, until } from '../support/socket.js';

/**
 * Several instances (issue 14, points 4 and 5): the event log is the only source of the feed; each
 * instance's pump, woken by PostgreSQL, emits to its own sockets. Writers on all three instances
 * at once; every socket anywhere gets exactly what it may see, once, in order; catch-up works
 * across instances and after `kill -9` of one mid-traffic.
 */
let c: Cluster;
const open: Socket[] = [];
let ada: Agent, carla: Agent, dev: Agent, felix: Agent;
let contoso: string, fabrikam: string, contosoFinding: string;

beforeAll(async () => {
  c = await startCluster({ MESSAGE_BURST: '1000', MESSAGE_RATE_PER_MINUTE: '100000', DATABASE_POOL_SIZE: '5' });
  const [a, b, cc] = c.instances;
  ada = await signIn(c, a.url, 'ada@northwind.example');
  carla = await signIn(c, b.url, 'carla@contoso.example');
  dev = await signIn(c, cc.url, 'dev@contoso.example');
  felix = await signIn(c, c.lbUrl, 'felix@fabrikam.example');
  const clients = await c.query<{ id: string; name: string }>('select id, name from clients');
  contoso = clients.find((x) => x.name.startsWith('Contoso'))!.id;
  fabrikam = clients.find((x) => x.name.startsWith('Fabrikam'))!.id;
  contosoFinding = (await c.query<{ id: string }>('select id from findings where client_id = $1 and published = 1 limit 1', [contoso]))[0]!.id;
}, 120_000);
afterAll(async () => {
  open.forEach((s) => s.close());
  await c?.stop();
});

/**
 * A feed socket through the balancer as a browser gets one after its instance died: it tries again
 * (the balancer takes a dead instance out within about two seconds) until one connects.
 */
async function feedThroughBalancer(agent: Agent, since: number) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await feedOn(c.lbUrl, agent, since);
    } catch (err) {
      if (attempt >= 40) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A feed socket of `agent` on the instance at `url` (the agent's session works on every instance). */
async function feedOn(url: string, agent: Agent, since: number | null = null) {
  const s = await feedSocket(target(url), agentFor(c, url, agent.cookie), since, { origin: c.lbUrl });
  open.push(s.socket);
  return s;
}

type Ev = { position?: number; clientId?: string; type?: string };
const positionsOf = (rec: ReturnType<typeof recordAll>) =>
  rec.events.map(([, e]) => e as Ev).filter((e) => typeof e.position === 'number') as Required<Pick<Ev, 'position' | 'clientId'>>[];

async function logAfter(start: number, where = ''): Promise<{ position: number; client_id: string; audience: string }[]> {
  return c.query(`select position::int, client_id, audience from client_events where position > $1 ${where} order by position`, [start]);
}

describe('the feed on three instances', () => {
  it('writers on all three at once (chat, comments, finding edits): each staff socket gets the log once, in order; each portal socket its own client’s share and nothing else', async () => {
    const [a, b, cc] = c.instances;
    const staff = await Promise.all([a.url, b.url, cc.url, c.lbUrl].map((u) => feedOn(u, ada)));
    const contosoSockets = await Promise.all([b.url, c.lbUrl].map((u) => feedOn(u, carla)));
    const fabrikamSockets = await Promise.all([cc.url, a.url].map((u) => feedOn(u, felix)));
    const start = Math.max(...[...staff, ...contosoSockets, ...fabrikamSockets].map((s) => s.position));
    const recs = {
      staff: staff.map((s) => s.live),
      contoso: contosoSockets.map((s) => s.live),
      fabrikam: fabrikamSockets.map((s) => s.live),
    };
    const on = (agent: Agent, url: string) => agentFor(c, url, agent.cookie);
    const writers = [
      // 3 × 200 chat messages, one writer per instance.
      ...Array.from({ length: 200 }, (_, n) => on(carla, a.url).post(`/api/chat/${contoso}/messages`, { body: `from A ${n}`, clientMessageId: cmid() })),
      ...Array.from({ length: 200 }, (_, n) => on(dev, b.url).post(`/api/chat/${contoso}/messages`, { body: `from B ${n}`, clientMessageId: cmid() })),
      ...Array.from({ length: 200 }, (_, n) => on(felix, cc.url).post(`/api/chat/${fabrikam}/messages`, { body: `from C ${n}`, clientMessageId: cmid() })),
      // Comments, shared and internal (staff only), on the three instances.
      ...Array.from({ length: 30 }, (_, n) =>
        on(ada, [a, b, cc][n % 3]!.url).post(`/api/findings/${contosoFinding}/comments`, { body: `note ${n}`, clientMessageId: cmid(), internal: n % 2 === 0 }),
      ),
    ];
    // Finding edits meanwhile, one after another (each needs the version the last one made), on A, B, C in turn.
    const edits = (async () => {
      let version = Number((await c.query<{ version: string }>('select version from findings where id = $1', [contosoFinding]))[0]!.version);
      const statuses: number[] = [];
      for (let n = 0; n < 12; n++) {
        const r = await on(ada, [a, b, cc][n % 3]!.url).patch(`/api/findings/${contosoFinding}`, { impact: `Impact, edit ${n}`, version });
        statuses.push(r.status);
        version = r.body.finding?.version ?? version;
      }
      return statuses;
    })();
    const answers = await Promise.all(writers);
    expect(answers.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    expect(await edits).toEqual(Array.from({ length: 12 }, () => 200));

    const log = await logAfter(start);
    expect(log.length).toBeGreaterThanOrEqual(642);
    // Dense: consecutive positions, whoever wrote them on whichever instance.
    expect(log.map((r) => r.position)).toEqual(Array.from({ length: log.length }, (_, i) => start + 1 + i));
    const all = log.map((r) => r.position);
    for (const rec of recs.staff) {
      await until(() => positionsOf(rec).length >= all.length, `${all.length} events on a staff socket`, 30_000);
      expect(positionsOf(rec).map((e) => e.position)).toEqual(all);
      expect(JSON.stringify(rec.events)).toMatch(/"internal":true/); // staff get the internal notes: the portal check below is not vacuous
    }
    for (const [client, list] of [
      [contoso, recs.contoso],
      [fabrikam, recs.fabrikam],
    ] as const) {
      const share = log.filter((r) => r.client_id === client && r.audience === 'all').map((r) => r.position);
      for (const rec of list) {
        await until(() => positionsOf(rec).length >= share.length, `${share.length} events on a portal socket`, 30_000);
        await new Promise((r) => setTimeout(r, 300)); // nothing more arrives
        expect(positionsOf(rec).map((e) => e.position)).toEqual(share);
        expect(new Set(positionsOf(rec).map((e) => e.clientId))).toEqual(new Set([client]));
        // Never an internal note: no payload carries one.
        expect(JSON.stringify(rec.events)).not.toMatch(/"internal":true/);
      }
    }
  }, 120_000);

  it('a socket closed on A resumes on C with its last position and gets exactly what it missed', async () => {
    const [a, , cc] = c.instances;
    const first = await feedOn(a.url, ada);
    const rec = first.live;
    await carla.post(`/api/chat/${contoso}/messages`, { body: 'before', clientMessageId: cmid() });
    await until(() => positionsOf(rec).length >= 1, 'the first message');
    const last = positionsOf(rec).at(-1)!.position;
    first.socket.close();
    for (let n = 0; n < 20; n++)
      expect(
        (await agentFor(c, c.instances[n % 3]!.url, carla.cookie).post(`/api/chat/${contoso}/messages`, { body: `missed ${n}`, clientMessageId: cmid() }))
          .status,
      ).toBe(201);
    const resumed = await feedOn(cc.url, ada, last);
    const caught = (resumed.answer.events as Ev[]).map((e) => e.position);
    expect(caught).toEqual((await logAfter(last, `and position <= ${resumed.position}`)).map((r) => r.position));
    expect(caught.length).toBeGreaterThanOrEqual(20);
  }, 60_000);

  it('kill -9 of B mid-traffic: its sockets come back through HAProxy and miss, repeat or reorder nothing; B restarted rejoins', async () => {
    const [a, b, cc] = c.instances;
    const onB = await Promise.all([0, 1, 2].map(() => feedOn(b.url, ada)));
    const received = onB.map((s) => ({ rec: s.live, from: s.position }));
    let sent = 0;
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        const url = [a.url, cc.url][sent % 2]!;
        const r = await agentFor(c, url, carla.cookie).post(`/api/chat/${contoso}/messages`, { body: `live ${sent}`, clientMessageId: cmid() });
        expect(r.status).toBe(201);
        sent++;
      }
    })();
    await until(() => received.every((r) => positionsOf(r.rec).length >= 5), 'traffic reaching B’s sockets', 15_000);
    await b.kill9();
    // Each browser reconnects through the balancer with the last position it saw.
    const resumed = await Promise.all(
      received.map(async (r) => {
        const last = positionsOf(r.rec).at(-1)!.position;
        const s = await feedThroughBalancer(ada, last);
        return { s, rec: s.live, last, before: positionsOf(r.rec).map((e) => e.position) };
      }),
    );
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await traffic;
    expect([a, cc].map((i) => i.proc.child.exitCode)).toEqual([null, null]);
    const start = Math.min(...received.map((r) => r.from));
    const log = (await logAfter(start)).map((r) => r.position);
    for (const r of resumed) {
      await until(
        () => [...r.before, ...(r.s.answer.events as Ev[]).map((e) => e.position!), ...positionsOf(r.rec).map((e) => e.position)].length >= log.length,
        'the whole log after the failover',
        20_000,
      );
      const got = [...r.before, ...(r.s.answer.events as Ev[]).map((e) => e.position!), ...positionsOf(r.rec).map((e) => e.position)];
      expect(got).toEqual(log);
    }
    await b.start();
    const s = await feedOn(b.url, ada);
    expect(s.position).toBeGreaterThanOrEqual(log.at(-1)!);
  }, 120_000);
});
