import { withBaseline } from '../lib/baseline.js';
import { r1, r2, sleep, withCleanup, type BenchContext } from '../lib/context.js';
import type { ReceiverPool } from '../lib/pool.js';
import type { SocketSpec } from '../lib/receiver.js';
import { seedWorld } from '../lib/seed.js';
import { freePort, freshDataDir, openBenchDb, startServer } from '../lib/server.js';

export interface CapacityOptions {
  sockets: number;
  receivers: number;
  baselines: boolean;
}

export interface CapacityResult {
  sockets: number;
  connect_seconds: number | null;
  connects_per_s: number | null;
  rss_idle_mb: number | null;
  rss_loaded_mb: number | null;
  kb_per_conn: number | null;
  conns_per_gib: number | null;
  baseline_kb_per_conn: number | null;
  baseline_conns_per_gib: number | null;
  ratio_conns_per_gib: number | null;
  socketio_kb_per_conn: number | null;
  connect_failures: number;
}

const GIB_KB = 1024 * 1024;

/** RSS growth per connection between an idle and a loaded measurement, both after full GCs. */
async function measure(
  pool: ReceiverPool,
  specs: SocketSpec[],
  connect: (dealt: SocketSpec[][]) => Promise<{ ok: number; failed: number; seconds: number; errors: Record<string, number> }>,
  rss: () => Promise<number>,
) {
  const idle = await rss();
  const conn = await connect(pool.deal(specs));
  await sleep(1000);
  const loaded = await rss();
  return { idle, loaded, conn, kb: (loaded - idle) / Math.max(1, conn.ok) };
}

/**
 * capacity: N authenticated, feed-subscribed, idle sockets (N portal users across clients of
 * 1,000). Server RSS (after forced full GCs, through the inspector) before and after, per
 * connection; the same for the raw ws relay and the bare Socket.IO server.
 */
export async function capacity(ctx: BenchContext, o: CapacityOptions): Promise<CapacityResult> {
  const perClient = Math.min(1000, o.sockets);
  const product = await withCleanup(async (defer) => {
    const dataDir = freshDataDir();
    const seedDb = await openBenchDb(dataDir);
    const world = await seedWorld(seedDb.db, {
      clients: Math.ceil(o.sockets / perClient),
      usersPerClient: perClient,
      role: 'viewer',
      staff: 1,
      idleMs: 30 * 60_000,
      absoluteMs: 12 * 3_600_000,
    });
    await seedDb.close();
    const server = await startServer({ dataDir, port: await freePort(), inspect: true, cpuProf: ctx.cpuProf, maxLifeMs: ctx.maxLifeMs });
    defer(() => server.stop());
    const pool = await ctx.pool(o.receivers);
    defer(() => pool.closeSockets());
    const specs: SocketSpec[] = world.clients.flatMap((c) => c.users.map((u) => ({ cookie: u.cookie, group: c.id, clientId: c.id }))).slice(0, o.sockets);
    await sleep(500);
    return measure(
      pool,
      specs,
      (dealt) => pool.connect({ url: server.url, origin: server.url, mode: 'sio', subscribe: true, concurrency: 32, timeoutMs: 30_000 }, dealt),
      async () => {
        await server.gc();
        return server.rssKb();
      },
    );
  });
  ctx.log(
    `capacity: ${product.conn.ok} sockets in ${product.conn.seconds.toFixed(1)} s; RSS ${(product.idle / 1024).toFixed(0)} → ${(product.loaded / 1024).toFixed(0)} MiB = ${product.kb.toFixed(1)} KiB/conn${product.conn.failed ? ` (${product.conn.failed} failed: ${JSON.stringify(product.conn.errors)})` : ''}`,
  );
  const baseline = async (kind: 'raw' | 'sio') =>
    withBaseline(ctx, kind, o.receivers, async (b, pool) => {
      const specs: SocketSpec[] = Array.from({ length: o.sockets }, (_, i) => ({ group: `g${i % 10}`, query: `room=g${i % 10}` }));
      const m = await measure(
        pool,
        specs,
        (dealt) => pool.connect({ url: b.url, origin: 'http://bench', mode: kind, subscribe: false, concurrency: 32, timeoutMs: 30_000 }, dealt),
        () => b.rssKb(),
      );
      ctx.log(`capacity baseline ${kind}: ${m.conn.ok} sockets; ${m.kb.toFixed(1)} KiB/conn`);
      return m;
    });
  const raw = o.baselines ? await baseline('raw') : null;
  const sio = o.baselines ? await baseline('sio') : null;
  return {
    sockets: product.conn.ok,
    connect_seconds: r2(product.conn.seconds),
    connects_per_s: r1(product.conn.ok / product.conn.seconds),
    rss_idle_mb: r1(product.idle / 1024),
    rss_loaded_mb: r1(product.loaded / 1024),
    kb_per_conn: r2(product.kb),
    conns_per_gib: r1(GIB_KB / product.kb),
    baseline_kb_per_conn: raw ? r2(raw.kb) : null,
    baseline_conns_per_gib: raw ? r1(GIB_KB / raw.kb) : null,
    ratio_conns_per_gib: raw ? r2(raw.kb / product.kb) : null,
    socketio_kb_per_conn: sio ? r2(sio.kb) : null,
    connect_failures: product.conn.failed,
  };
}
