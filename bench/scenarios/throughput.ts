import { withBaseline } from '../lib/baseline.js';
import { lat, r1, r2, withCleanup, type BenchContext } from '../lib/context.js';
import type { ReceiverPool, Report } from '../lib/pool.js';
import type { SocketSpec } from '../lib/receiver.js';
import { seedWorld } from '../lib/seed.js';
import { cpuSpent, startTarget } from '../lib/cluster.js';
import { freshDataDir, openBenchTarget } from '../lib/server.js';

export interface ThroughputOptions {
  clients: number;
  usersPerClient: number;
  durationMs: number;
  /** Sends in flight across all users (each waits for its ack before the next). */
  window: number;
  receivers: number;
  baselines: boolean;
}

export interface ThroughputResult {
  clients: number;
  users: number;
  window: number;
  seconds: number;
  msgs_per_s: number | null;
  baseline_msgs_per_s: number | null;
  ratio: number | null;
  socketio_msgs_per_s: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  ack_p99_ms: number | null;
  acked: number;
  rows_committed: number | null;
  lost: number;
  duplicates: number;
  out_of_order: number;
  send_errors: Record<string, number>;
  synchronous: string;
  /** CPU seconds per process of the target (and the whole machine) during the sends and their settling. */
  cpu_seconds: Record<string, number | null>;
}

async function blastRun(pool: ReceiverPool, o: ThroughputOptions, padTo = 0): Promise<Report> {
  await pool.reset();
  await pool.blast(o.durationMs, o.window, 15_000, padTo);
  return pool.report('group');
}

/**
 * throughput: `clients` × `usersPerClient` connected Collaborators send chat messages
 * (`message:send` with ack) as fast as the server takes them, `window` in flight in total. Every
 * acknowledged message must reach each socket of its channel (lost counts the misses) and be in
 * the database after the server stopped (durability checked from the file).
 */
export async function throughput(ctx: BenchContext, o: ThroughputOptions): Promise<ThroughputResult> {
  const specsOf = (clients: { id: string; users: { cookie?: string }[] }[]) =>
    clients.flatMap((c) => c.users.map((u): SocketSpec => ({ ...(u.cookie ? { cookie: u.cookie } : { query: `room=${c.id}` }), group: c.id, clientId: c.id })));
  const product = await withCleanup(async (defer) => {
    const dataDir = freshDataDir();
    const seedDb = await openBenchTarget(ctx, dataDir);
    const world = await seedWorld(seedDb.db, {
      clients: o.clients,
      usersPerClient: o.usersPerClient,
      role: 'collaborator',
      staff: 1,
      idleMs: 30 * 60_000,
      absoluteMs: 12 * 3_600_000,
    });
    const sync = await seedDb.synchronous();
    await seedDb.close();
    // One server, or (--cluster) three behind HAProxy: `server.url` is then the balancer.
    const server = await startTarget(ctx, { dataDir, env: seedDb.env });
    const pool = await ctx.pool(o.receivers);
    defer(() => pool.closeSockets());
    defer(() => server.stop());
    const conn = await pool.connect(
      { url: server.url, origin: server.url, mode: 'sio', subscribe: true, concurrency: 32, timeoutMs: 20_000 },
      pool.deal(specsOf(world.clients)),
    );
    ctx.log(
      `throughput: ${conn.ok} sockets connected in ${conn.seconds.toFixed(1)} s${conn.failed ? ` (${conn.failed} failed: ${JSON.stringify(conn.errors)})` : ''}`,
    );
    const cpu0 = server.cpu();
    const rep = await blastRun(pool, o);
    const cpu = cpuSpent(cpu0, server.cpu());
    await pool.closeSockets();
    await server.stop();
    const check = await seedDb.reopen();
    const rows = Number(
      (
        await check.db
          .selectFrom('chat_messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('body', 'like', 'BENCH-%')
          .executeTakeFirst()
      )?.n ?? 0,
    );
    await check.close();
    return { rep, rows, sync, users: conn.ok, cpu };
  });
  const rate = product.rep.acked / (o.durationMs / 1000);
  const d = lat(product.rep.latencies);
  const a = lat(product.rep.ackLatencies);
  ctx.log(
    `throughput product: ${product.rep.acked} acked (${rate.toFixed(0)}/s), ${product.rows} rows committed, delivery p99 ${d.p99} ms, ack p99 ${a.p99} ms, lost ${product.rep.tally.lost}, errors ${JSON.stringify(product.rep.errors)}`,
  );
  const pad = Math.max(0, product.rep.avgFrameBytes - 110);
  const baseline = async (kind: 'raw' | 'sio') =>
    withBaseline(ctx, kind, o.receivers, async (b, pool) => {
      const clients = Array.from({ length: o.clients }, (_, c) => ({ id: `c${c}`, users: Array.from({ length: o.usersPerClient }, () => ({})) }));
      await pool.connect({ url: b.url, origin: 'http://bench', mode: kind, subscribe: false, concurrency: 32, timeoutMs: 20_000 }, pool.deal(specsOf(clients)));
      const rep = await blastRun(pool, o, pad);
      const r = rep.acked / (o.durationMs / 1000);
      ctx.log(`throughput baseline ${kind}: ${rep.acked} acked (${r.toFixed(0)}/s), delivery p99 ${lat(rep.latencies).p99} ms, lost ${rep.tally.lost}`);
      return r;
    });
  const raw = o.baselines ? await baseline('raw') : null;
  const sio = o.baselines ? await baseline('sio') : null;
  const t = product.rep.tally;
  return {
    clients: o.clients,
    users: product.users,
    window: o.window,
    seconds: o.durationMs / 1000,
    msgs_per_s: r1(rate),
    baseline_msgs_per_s: raw !== null ? r1(raw) : null,
    ratio: raw ? r2(rate / raw) : null,
    socketio_msgs_per_s: sio !== null ? r1(sio) : null,
    p50_ms: r1(d.p50),
    p99_ms: r1(d.p99),
    ack_p99_ms: r1(a.p99),
    acked: product.rep.acked,
    rows_committed: product.rows,
    // A delivery owed and never made, or an acknowledged message missing from the file.
    lost: t.lost + Math.max(0, product.rep.acked - product.rows),
    duplicates: t.duplicates,
    out_of_order: t.outOfOrder,
    send_errors: product.rep.errors,
    synchronous: product.sync,
    cpu_seconds: product.cpu,
  };
}
