import { sql } from 'kysely';
import { lat, r2, sleep, withCleanup, type BenchContext } from '../lib/context.js';
import { cpuSpent, startTarget } from '../lib/cluster.js';
import { postChat } from '../lib/debrief.js';
import type { SocketSpec } from '../lib/receiver.js';
import { seedWorld } from '../lib/seed.js';
import { freshDataDir, openBenchTarget } from '../lib/server.js';

export interface FailoverOptions {
  /** Portal sockets of one client, spread over the three instances by the balancer. */
  sockets: number;
  /** Chat messages a second written through the balancer, before, during and after the kill. */
  ratePerS: number;
  /** Traffic before the kill, and after every victim is back (so late duplicates would show). */
  beforeMs: number;
  afterMs: number;
  /** Give up waiting for the victims after this long (they then count as not back). */
  maxWaitMs: number;
  receivers: number;
}

export interface FailoverResult {
  sockets_total: number;
  /** Sockets that were on the killed instance (dropped at the kill). */
  sockets: number;
  /** From the kill until every one of them was connected again and had the log's head at the kill time. */
  seconds: number | null;
  /** Half of them were back and caught up this long after the kill. */
  seconds_p50: number | null;
  /** Of them, how many needed more than one attempt (the first refused: HAProxy still sent it to the dead instance). */
  retried: number;
  /** Reconnection attempts those sockets made in all (503s from the balancer while it still sends to the dead one count). */
  reconnect_attempts: number;
  /** Of them, how many had not reached the head when the wait ended (0 when `seconds` is set). */
  not_back: number;
  head_at_kill: number;
  events: number;
  lost: number;
  duplicates: number;
  out_of_order: number;
  deliveries: number;
  writes_sent: number;
  writes_failed: number;
  cpu_seconds: Record<string, number | null>;
  connect_failures: number;
}

const TAG = /BENCH-([A-Za-z0-9.]+)-\d+-/;

/**
 * failover (`--cluster`): N portal sockets of one client connect through HAProxy (round-robin:
 * about a third on each instance) and subscribe; an analyst writes chat messages through the
 * balancer at a steady rate; one instance gets `kill -9`. Each of its sockets reconnects through
 * the balancer as the portal does (socket.io-client's back-off) with the last position it saw.
 * Measured: seconds from the kill until every one of those sockets is back and has reached the
 * log's head as it was at the kill; over every socket and the whole run, each chat message in the
 * log (client_events, read after the run) must have arrived once, in log order.
 */
export async function failover(ctx: BenchContext, o: FailoverOptions): Promise<FailoverResult> {
  if (!ctx.cluster) throw new Error('failover needs --cluster');
  return withCleanup(async (defer) => {
    const dataDir = freshDataDir();
    const seedDb = await openBenchTarget(ctx, dataDir);
    const world = await seedWorld(seedDb.db, {
      clients: 1,
      usersPerClient: o.sockets,
      role: 'viewer',
      staff: 1,
      idleMs: 30 * 60_000,
      absoluteMs: 12 * 3_600_000,
    });
    const target = await startTarget(ctx, { dataDir, env: seedDb.env });
    defer(() => target.stop());
    defer(() => seedDb.close());
    const pool = await ctx.pool(o.receivers);
    defer(() => pool.closeSockets());
    const client = world.clients[0]!;
    const specs: SocketSpec[] = client.users.map((u, i) => ({ cookie: u.cookie, group: `g${i % o.receivers}`, clientId: client.id }));
    const conn = await pool.connect(
      { url: target.url, origin: target.url, mode: 'sio', subscribe: true, concurrency: 16, timeoutMs: 20_000, reconnect: true },
      pool.deal(specs),
    );
    ctx.log(`failover: ${conn.ok} sockets connected through the balancer${conn.failed ? ` (${conn.failed} failed: ${JSON.stringify(conn.errors)})` : ''}`);

    // Steady writes through the balancer: one every 1/rate s, not waiting for the previous one
    // (a request caught on the dying instance must not hold the others up).
    const analyst = world.staff[0]!;
    let sent = 0;
    let failed = 0;
    let writing = true;
    const inFlight = new Set<Promise<void>>();
    const writer = (async () => {
      const every = 1000 / o.ratePerS;
      const t0 = performance.now();
      for (let i = 0; writing; i++) {
        const wait = t0 + i * every - performance.now();
        if (wait > 0) await sleep(wait);
        sent++;
        const p = postChat(target.url, analyst.cookie, client.id, `fo${i}`)
          .catch(() => void failed++)
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    })();
    await sleep(o.beforeMs);

    const victim = target.servers[1]!;
    const cpu0 = target.cpu();
    const killedAt = Date.now();
    await victim.kill9();
    const head = Number((await sql<{ p: number | string | null }>`select max(position) as p from client_events`.execute(seedDb.db)).rows[0]?.p ?? 0);
    ctx.log(`failover: instance b (pid ${victim.pid}) killed with SIGKILL; log head at the kill ${head}`);

    let st = await pool.drops(head);
    // Every victim socket drops within moments (the kernel closes its connections, HAProxy passes that on).
    for (const until = Date.now() + o.maxWaitMs; Date.now() < until;) {
      await sleep(200);
      st = await pool.drops(head);
      if (Date.now() - killedAt > 1000 && st.dropped > 0 && st.caught === st.dropped) break;
    }
    const cpu = cpuSpent(cpu0, target.cpu());
    const seconds = st.dropped > 0 && st.caught === st.dropped ? (st.lastCaughtAt - killedAt) / 1000 : null;
    ctx.log(
      `failover: ${st.dropped} sockets dropped, ${st.open} open again, ${st.caught} caught up to ${head}; ${seconds === null ? 'NOT all back' : `all back and caught up ${seconds.toFixed(2)} s after the kill`} (half by ${st.caughtAts.length ? (lat(st.caughtAts.map((t) => t - killedAt)).p50 / 1000).toFixed(2) : '—'} s; ${st.retried} needed more than one attempt, ${st.attempts} attempts in all)`,
    );

    await sleep(o.afterMs);
    writing = false;
    await writer;
    await Promise.allSettled([...inFlight]);
    // Let the last pushes land.
    await sleep(1500);

    // What was owed: every chat message of the client in the log, in log order.
    const rows = (
      await sql<{ position: number | string; body: string }>`
        select e.position, m.body from client_events e join chat_messages m on e.entity_id = cast(m.id as text)
        where e.client_id = ${client.id} and e.type = 'message:created' order by e.position`.execute(seedDb.db)
    ).rows;
    const tags = rows.map((r) => TAG.exec(r.body)?.[1]).filter((t): t is string => !!t);
    const rep = await pool.report('tags', tags);
    const t = rep.tally;
    // A socket that never came back is still in the report with what it got before: its misses count as lost.
    return {
      sockets_total: conn.ok,
      sockets: st.dropped,
      seconds: seconds === null ? null : r2(seconds),
      seconds_p50: st.caughtAts.length ? r2(lat(st.caughtAts.map((t) => t - killedAt)).p50 / 1000) : null,
      retried: st.retried,
      reconnect_attempts: st.attempts,
      not_back: st.dropped - st.caught,
      head_at_kill: head,
      events: tags.length,
      lost: t.lost,
      duplicates: t.duplicates,
      out_of_order: t.outOfOrder,
      deliveries: t.deliveries,
      writes_sent: sent,
      writes_failed: failed,
      cpu_seconds: cpu,
      connect_failures: conn.failed,
    };
  });
}
