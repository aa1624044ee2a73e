import type { Faults, Tally } from '../lib/accounting.js';
import { r2, sleep, withCleanup, type BenchContext } from '../lib/context.js';
import { postChat, postComment } from '../lib/debrief.js';
import type { SocketSpec } from '../lib/receiver.js';
import { seedWorld } from '../lib/seed.js';
import { freePort, freshDataDir, openBenchDb, startServer } from '../lib/server.js';

export interface CatchupOptions {
  sockets: number;
  events: number;
  receivers: number;
  faults?: Faults;
}

export interface CatchupResult {
  sockets: number;
  events: number;
  lost: number;
  duplicates: number;
  out_of_order: number;
  deliveries: number;
  seconds: number | null;
  connect_seconds: number | null;
  ratio_to_connect: number | null;
  reconnect_failures: number;
}

/**
 * catchup: N portal sockets connect (timed: the plain first connect), are cut, the server is
 * restarted on the same data folder, `events` client-visible changes are made while they are
 * away (comments on a published finding and staff chat messages, alternating, through the real
 * HTTP paths), and every socket reconnects with the last position it saw (timed until every
 * catch-up answer arrived). Each socket must get each event once, in order.
 */
export async function catchup(ctx: BenchContext, o: CatchupOptions): Promise<{ result: CatchupResult; tally: Tally }> {
  return withCleanup(async (defer) => {
    const dataDir = freshDataDir();
    const seedDb = await openBenchDb(dataDir);
    const world = await seedWorld(seedDb.db, {
      clients: 1,
      usersPerClient: o.sockets,
      role: 'viewer',
      findingsPerClient: 1,
      staff: 1,
      idleMs: 30 * 60_000,
      absoluteMs: 12 * 3_600_000,
    });
    await seedDb.close();
    const port = await freePort();
    let server = await startServer({ dataDir, port, cpuProf: ctx.cpuProf, maxLifeMs: ctx.maxLifeMs });
    defer(() => server.stop());
    const pool = await ctx.pool(o.receivers);
    defer(() => pool.closeSockets());
    const client = world.clients[0]!;
    const specs: SocketSpec[] = client.users.map((u, i) => ({ cookie: u.cookie, group: `g${i % o.receivers}`, clientId: client.id }));
    const dealt = pool.deal(specs);
    const base = { url: server.url, origin: server.url, mode: 'sio' as const, subscribe: true, concurrency: 32, timeoutMs: 20_000 };
    const first = await pool.connect(base, dealt, null);
    ctx.log(
      `catchup: first connect of ${first.ok} sockets in ${first.seconds.toFixed(2)} s${first.failed ? ` (${first.failed} failed: ${JSON.stringify(first.errors)})` : ''}`,
    );

    await pool.closeSockets();
    await server.stop();
    server = await startServer({ dataDir, port, cpuProf: ctx.cpuProf, maxLifeMs: ctx.maxLifeMs });
    const analyst = world.staff[0]!;
    const tags: string[] = [];
    for (let i = 0; i < o.events; i++) {
      const tag = `c${i}`;
      tags.push(tag);
      if (i % 2 === 0) await postComment(server.url, analyst.cookie, client.findings[0]!, tag);
      else await postChat(server.url, analyst.cookie, client.id, tag);
    }
    await pool.reset();
    const back = await pool.connect(base, dealt, 'last');
    ctx.log(
      `catchup: ${back.ok} sockets back and caught up in ${back.seconds.toFixed(2)} s${back.failed ? ` (${back.failed} failed: ${JSON.stringify(back.errors)})` : ''}`,
    );
    // Anything pushed twice (catch-up and live) would arrive now.
    await sleep(500);
    const rep = await pool.report('tags', tags, o.faults);
    const t = rep.tally;
    // A socket that never came back owes every event: count those as lost too.
    const missing = back.failed * o.events;
    return {
      tally: { ...t, lost: t.lost + missing },
      result: {
        sockets: back.ok,
        events: o.events,
        lost: t.lost + missing,
        duplicates: t.duplicates,
        out_of_order: t.outOfOrder,
        deliveries: t.deliveries,
        seconds: r2(back.seconds),
        connect_seconds: r2(first.seconds),
        ratio_to_connect: r2(back.seconds / first.seconds),
        reconnect_failures: back.failed,
      },
    };
  });
}
