import type { Faults, Tally } from '../lib/accounting.js';
import { baselineSender, withBaseline } from '../lib/baseline.js';
import { lat, r1, r2, withCleanup, type BenchContext } from '../lib/context.js';
import { clientMessageId } from '../lib/debrief.js';
import { FeedClient } from '../lib/feed-client.js';
import type { ConnectResult, ReceiverPool } from '../lib/pool.js';
import type { SocketSpec } from '../lib/receiver.js';
import { seedWorld } from '../lib/seed.js';
import { cpuSpent, startTarget } from '../lib/cluster.js';
import { freshDataDir, openBenchTarget } from '../lib/server.js';
import { marker } from '../lib/wire.js';

export interface FanoutOptions {
  sockets: number;
  posts: number;
  warmup: number;
  receivers: number;
  /** Measure the raw ws and bare Socket.IO baselines too. */
  baselines: boolean;
  /** Injected into the accounting of the product run (tests). */
  faults?: Faults;
  /** How long one post may take to reach everyone before the run moves on (it is then lost). */
  perPostTimeoutMs?: number;
}

export interface FanoutResult {
  sockets: number;
  posts: number;
  write_path: string;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  baseline_p50_ms: number | null;
  baseline_p99_ms: number | null;
  ratio_p99: number | null;
  socketio_p99_ms: number | null;
  ratio_p99_socketio: number | null;
  deliveries: number;
  lost: number;
  duplicates: number;
  out_of_order: number;
  frame_bytes: number;
  connect_failures: number;
  /** CPU seconds per process of the target (and the whole machine) while the counted comments went out. */
  cpu_seconds: Record<string, number | null>;
}

type Send = (tag: string) => Promise<void>;

/**
 * Send `posts` marked writes one after another; each waits until every receiver saw the
 * previous one (or the per-post timeout), so the figure is the latency of one event to N sockets,
 * not a queue. Warm-up posts come first and are not counted.
 */
async function paced(pool: ReceiverPool, conn: ConnectResult, send: Send, o: FanoutOptions, prefix: string) {
  await pool.notify(conn.perProc);
  const holders = conn.perProc.filter((n) => n > 0).length;
  const tags: string[] = [];
  for (let i = 0; i < o.warmup + o.posts; i++) {
    if (i === o.warmup) {
      await pool.reset();
      await pool.notify(conn.perProc);
    }
    const tag = `${prefix}${i}`;
    if (i >= o.warmup) tags.push(tag);
    const seen = pool.waitSeen(tag, holders, o.perPostTimeoutMs ?? 10_000);
    await send(tag);
    await seen.done;
  }
  return tags;
}

async function baselineRun(ctx: BenchContext, kind: 'raw' | 'sio', o: FanoutOptions, padTo: number): Promise<{ p50: number; p99: number }> {
  return withBaseline(ctx, kind, o.receivers, async (b, pool, defer) => {
    const specs: SocketSpec[] = Array.from({ length: o.sockets }, (_, i) => ({ group: `g${i % o.receivers}`, query: 'room=all' }));
    const conn = await pool.connect({ url: b.url, origin: 'http://bench', mode: kind, subscribe: false, concurrency: 64, timeoutMs: 10_000 }, pool.deal(specs));
    const sender = await baselineSender(b);
    defer(() => sender.close());
    let body = '';
    const tags = await paced(
      pool,
      conn,
      (tag) => {
        body = `${marker(tag)} bench comment`;
        return sender.send({ body: body.padEnd(padTo) });
      },
      o,
      `${kind}f`,
    );
    const rep = await pool.report('tags', tags);
    const s = lat(rep.latencies);
    ctx.log(`fanout baseline ${kind}: ${rep.tally.deliveries} deliveries, p50 ${s.p50} ms, p99 ${s.p99} ms`);
    return { p50: s.p50, p99: s.p99 };
  });
}

/** fanout: one client's N portal users connected; an analyst writes comments one after another, on their socket as the page does. */
export async function fanout(ctx: BenchContext, o: FanoutOptions): Promise<{ result: FanoutResult; tally: Tally }> {
  const product = await withCleanup(async (defer) => {
    const dataDir = freshDataDir();
    const seedDb = await openBenchTarget(ctx, dataDir);
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
    // One server, or (--cluster) three behind HAProxy: `server.url` is then the balancer.
    const server = await startTarget(ctx, { dataDir, env: seedDb.env });
    defer(() => server.stop());
    const pool = await ctx.pool(o.receivers);
    defer(() => pool.closeSockets());
    const client = world.clients[0]!;
    const specs: SocketSpec[] = client.users.map((u, i) => ({ cookie: u.cookie, group: `g${i % o.receivers}`, clientId: client.id }));
    const conn = await pool.connect(
      { url: server.url, origin: server.url, mode: 'sio', subscribe: true, concurrency: 32, timeoutMs: 15_000 },
      pool.deal(specs),
    );
    ctx.log(
      `fanout: ${conn.ok} sockets connected in ${conn.seconds.toFixed(1)} s${conn.failed ? ` (${conn.failed} failed: ${JSON.stringify(conn.errors)})` : ''}`,
    );
    const analyst = world.staff[0]!;
    const finding = client.findings[0]!;
    // The analyst writes as the page does: `comment:create` over their live socket (the outbox).
    const sender = await FeedClient.connect(server.url, analyst.cookie);
    defer(() => sender.close());
    const cpu0 = server.cpu();
    const tags = await paced(
      pool,
      conn,
      (tag) =>
        sender
          .ask('comment:create', { findingId: finding, body: `${marker(tag)} bench comment`, clientMessageId: clientMessageId() }, 10_000)
          .then(() => undefined),
      o,
      'f',
    );
    const cpu = cpuSpent(cpu0, server.cpu());
    const rep = await pool.report('tags', tags, o.faults);
    return { rep, conn, tags, cpu };
  });
  const s = lat(product.rep.latencies);
  ctx.log(`fanout product: ${product.rep.tally.deliveries} deliveries, p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms`);
  const pad = Math.max(0, product.rep.avgFrameBytes - 110);
  const raw = o.baselines ? await baselineRun(ctx, 'raw', o, pad) : null;
  const sio = o.baselines ? await baselineRun(ctx, 'sio', o, pad) : null;
  const t = product.rep.tally;
  return {
    tally: t,
    result: {
      sockets: product.conn.ok,
      posts: o.posts,
      write_path: "comment:create on the analyst's socket (as the page's outbox sends it) → group commit → feed push to client:{id}:portal",
      p50_ms: r1(s.p50),
      p99_ms: r1(s.p99),
      max_ms: r1(s.max),
      baseline_p50_ms: raw ? r1(raw.p50) : null,
      baseline_p99_ms: raw ? r1(raw.p99) : null,
      ratio_p99: raw ? r2(s.p99 / raw.p99) : null,
      socketio_p99_ms: sio ? r1(sio.p99) : null,
      ratio_p99_socketio: sio ? r2(s.p99 / sio.p99) : null,
      deliveries: t.deliveries,
      lost: t.lost,
      duplicates: t.duplicates,
      out_of_order: t.outOfOrder,
      frame_bytes: product.rep.avgFrameBytes,
      connect_failures: product.conn.failed,
      cpu_seconds: product.cpu,
    },
  };
}
