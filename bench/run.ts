/**
 * `npm run bench [-- --quick] [--out=file] [--only=fanout,catchup] [--reps=3] [--cpu-prof] [--postgres] [--cluster] [--startup]`
 *
 * `--startup`: only the start-up figures (bench/scenarios/startup.ts): the packaged file cold and
 * warm, `node dist/server/main.js` and an up-to-date `npm start`, spawn to ready; the package's
 * build time and size.
 *
 * `--postgres`: fanout and throughput (those of them in `--only`) run again on PostgreSQL, on a
 * cluster the bench starts with durable settings (fsync, synchronous_commit, full_page_writes on),
 * reported beside SQLite's under `postgres` (settings included); throughput also once with a
 * transaction per message (`WRITE_BATCH_MAX=1`, `postgres.throughput_unbatched`): the group-commit decision.
 * datascale (in `--only`) runs there too: the firm generated in SQLite, moved with `npm run
 * move-to-postgres`, the same page calls (`postgres.datascale`, with `move_s`; no browser figures).
 *
 * `--cluster`: several instances (bench/lib/cluster.ts), on a PostgreSQL cluster started as for
 * `--postgres` and a throwaway redis-server: fanout and throughput (those in `--only`) on one
 * instance (REDIS_URL unset: `cluster.*.single_*`), then on three instances of the production
 * build behind HAProxy with deploy/haproxy.cfg (clients connect and write through the balancer),
 * then `failover`: portal sockets spread over the three, steady chat writes through the balancer,
 * `kill -9` of one instance; seconds until every socket it held is back (reconnected through the
 * balancer with its last position) and caught up to the log's head at the kill, and lost /
 * duplicate / out-of-order deliveries over every socket for the whole run against client_events.
 * Under `cluster` in the JSON, with the CPU seconds of each process; needs haproxy and redis-server.
 *
 * Builds nothing itself (the npm script builds first), then for each scenario: a fresh data
 * folder, seeded directly in the database, the production server (dist/server/main.js) on
 * loopback, light receiver processes, the raw `ws` and bare Socket.IO baselines in the same run.
 * Prints a table and writes a JSON summary (default bench/last-run.json). Targets are reported,
 * never enforced. Every process it starts is stopped at the end and cannot outlive a hard cap.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { poolCache, type BenchContext } from './lib/context.js';
import { commitCost, machine, printTable, targetsOf } from './lib/report.js';
import { BENCH_SERVER_ENV, experiments, freshDataDir, removeDataDirs, ROOT } from './lib/server.js';
import { capacity } from './scenarios/capacity.js';
import { catchup } from './scenarios/catchup.js';
import { datascale } from './scenarios/datascale.js';
import { auditBench } from './scenarios/audit.js';
import { fanout } from './scenarios/fanout.js';
import { mixed } from './scenarios/mixed.js';
import { throughput } from './scenarios/throughput.js';
import { repeated } from './lib/repeat.js';
import { startPostgres } from './lib/postgres.js';
import { checkClusterBinaries, startRedis } from './lib/cluster.js';
import { failover } from './scenarios/failover.js';
import { startup, startupTable } from './scenarios/startup.js';

const SCENARIOS = ['fanout', 'throughput', 'capacity', 'catchup', 'mixed', 'datascale', 'audit'] as const;
type Name = (typeof SCENARIOS)[number];

function args() {
  const a = process.argv.slice(2);
  const val = (k: string) => a.find((x) => x.startsWith(`--${k}=`))?.split('=')[1];
  const only = val('only')?.split(',') as Name[] | undefined;
  for (const n of only ?? []) if (!SCENARIOS.includes(n)) throw new Error(`unknown scenario ${n}; one of ${SCENARIOS.join(', ')}`);
  // Fanout, throughput, capacity and catch-up run this many times, interleaved with their baselines (bench/lib/repeat.ts).
  const reps = Number(val('reps') ?? 3);
  if (!Number.isInteger(reps) || reps < 1 || reps > 9) throw new Error(`--reps must be a whole number from 1 to 9, not ${val('reps')}`);
  return {
    reps,
    experiment: val('experiment'),
    quick: a.includes('--quick'),
    cpuProf: a.includes('--cpu-prof'),
    postgres: a.includes('--postgres'),
    cluster: a.includes('--cluster'),
    startup: a.includes('--startup'),
    out: path.resolve(val('out') ?? path.join(ROOT, 'bench', 'last-run.json')),
    only: a.includes('--startup') ? (only ?? []) : (only ?? [...SCENARIOS]),
  };
}

/** Scenario sizes: the issue's, and the --quick ones (every scenario, under two minutes in all). */
const SIZES = {
  full: {
    fanout: { sockets: 1000, posts: 200, warmup: 10, receivers: 4, baselines: true },
    throughput: { clients: 100, usersPerClient: 10, durationMs: 20_000, window: 256, receivers: 4, baselines: true },
    capacity: { sockets: 10_000, receivers: 4, baselines: true },
    catchup: { sockets: 1000, events: 100, receivers: 4 },
    mixed: { steps: [400, 1000, 2500, 5000, 7500, 10_000, 12_500, 15_000], stepMs: 30_000, channelSize: 20, perUserPerMinute: 1, receivers: 4, warmupMs: 5000 },
    datascale: { scale: 1, serial: 100, warmup: 2, concurrency: 20, concurrentMs: 5000, catchupEvents: 1000, browserReps: 5 },
    failover: { sockets: 300, ratePerS: 10, beforeMs: 5000, afterMs: 5000, maxWaitMs: 60_000, receivers: 4 },
    audit: { rows: 2_000_000, serial: 100, warmup: 2, chainBatch: 64, chainBatches: 100 },
  },
  quick: {
    fanout: { sockets: 200, posts: 40, warmup: 5, receivers: 2, baselines: true },
    throughput: { clients: 20, usersPerClient: 10, durationMs: 3000, window: 128, receivers: 2, baselines: true },
    capacity: { sockets: 1000, receivers: 2, baselines: true },
    catchup: { sockets: 200, events: 100, receivers: 2 },
    mixed: { steps: [200, 1000, 2000], stepMs: 5000, channelSize: 20, perUserPerMinute: 1, receivers: 2, warmupMs: 3000 },
    datascale: { scale: 0.05, serial: 30, warmup: 2, concurrency: 20, concurrentMs: 2000, catchupEvents: 1000, browserReps: 3 },
    failover: { sockets: 90, ratePerS: 10, beforeMs: 3000, afterMs: 3000, maxWaitMs: 30_000, receivers: 2 },
    audit: { rows: 200_000, serial: 30, warmup: 1, chainBatch: 64, chainBatches: 30 },
  },
};

async function main(): Promise<void> {
  const o = args();
  const started = Date.now();
  // datascale generates a whole firm and measures ~30 calls: it brings its own time on top.
  const maxLifeMs =
    (o.quick ? 5 : 40) * 60_000 +
    (o.only.includes('datascale') ? (o.quick ? 5 : 30) * 60_000 : 0) +
    (o.only.includes('audit') ? (o.quick ? 5 : 20) * 60_000 : 0) +
    (o.cluster ? (o.quick ? 5 : 20) * 60_000 : 0) +
    // On PostgreSQL datascale generates the firm again, then moves it.
    (o.postgres && o.only.includes('datascale') ? (o.quick ? 5 : 30) * 60_000 : 0);
  const pools = poolCache(maxLifeMs);
  const ctx: BenchContext = {
    pool: pools.pool,
    quick: o.quick,
    cpuProf: o.cpuProf,
    log: (m) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`),
    maxLifeMs,
  };
  // Nothing the bench starts may outlive it: a hard stop for the whole run.
  const cap = setTimeout(() => {
    process.stderr.write('bench: hard time limit reached, stopping\n');
    process.exit(2);
  }, ctx.maxLifeMs + 60_000);
  cap.unref();
  const size = o.quick ? SIZES.quick : SIZES.full;
  if (o.cluster) checkClusterBinaries();
  if (o.experiment === 'stmt-cache') experiments.stmtCache = true;
  else if (o.experiment) throw new Error(`unknown experiment ${o.experiment} (stmt-cache)`);
  if (o.experiment) ctx.log(`EXPERIMENT ${o.experiment}: the server is modified for this run; its figures are a what-if, not the product's`);
  const m = { ...machine(), ...commitCost(freshDataDir()) };
  ctx.log(`Debrief bench${o.quick ? ' (--quick)' : ''} on ${m.cpus}× ${m.cpu_model}, ${m.memory_gib} GiB, node ${m.node}`);
  ctx.log(`disk: one durable commit (WAL, synchronous=FULL) takes ${m.commit_p50_ms} ms at p50, ${m.commit_p99_ms} ms at p99`);
  ctx.log(
    `server: production build, loopback, fresh data folder per scenario, synchronous=FULL; bench raises ${Object.entries(BENCH_SERVER_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  ctx.log(
    "receivers: separate processes with a light Engine.IO/Socket.IO client over `ws` (not socket.io-client), so the clients do not eat the server's cores",
  );

  const results: Record<string, unknown> = {};
  if (o.startup) results.startup = await startup(ctx, o.reps);
  // The live scenarios with a ratio run o.reps times, each measuring the product and then its baselines.
  const again = <R extends object>(name: string, run: () => Promise<R>, ratioOf: (r: R) => number | null) =>
    repeated(
      o.reps,
      (i) => {
        if (o.reps > 1) ctx.log(`${name}: repetition ${i + 1} of ${o.reps}`);
        return run();
      },
      ratioOf,
    );
  for (const name of o.only) {
    const t0 = Date.now();
    ctx.log(`— ${name} —`);
    try {
      if (name === 'fanout')
        results.fanout = await again(
          name,
          async () => (await fanout(ctx, size.fanout)).result,
          (r) => r.ratio_p99,
        );
      if (name === 'throughput')
        results.throughput = await again(
          name,
          () => throughput(ctx, size.throughput),
          (r) => r.ratio,
        );
      if (name === 'capacity')
        results.capacity = await again(
          name,
          () => capacity(ctx, size.capacity),
          (r) => r.ratio_conns_per_gib,
        );
      if (name === 'catchup')
        results.catchup = await again(
          name,
          async () => (await catchup(ctx, size.catchup)).result,
          (r) => r.ratio_to_connect,
        );
      if (name === 'mixed') results.mixed = await mixed(ctx, size.mixed);
      if (name === 'datascale') results.datascale = await datascale(ctx, size.datascale);
      if (name === 'audit') results.audit = await auditBench(ctx, size.audit);
    } catch (err) {
      ctx.log(`${name} failed: ${(err as Error).stack ?? err}`);
      results[name] = { error: String((err as Error).message ?? err) };
    }
    ctx.log(`${name} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (o.postgres) {
    const t0 = Date.now();
    ctx.log('— postgres: fanout, throughput and datascale (those asked) on PostgreSQL —');
    const cluster = await startPostgres();
    const pgCtx: BenchContext = { ...ctx, postgres: cluster.target };
    ctx.log(
      `postgres: PostgreSQL ${cluster.version}, ${Object.entries(cluster.target.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    const pgResults: Record<string, unknown> = { version: cluster.version, settings: cluster.target.settings, pool_size: cluster.poolSize };
    try {
      if (o.only.includes('fanout'))
        pgResults.fanout = await again(
          'postgres fanout',
          async () => (await fanout(pgCtx, size.fanout)).result,
          (r) => r.ratio_p99,
        );
      if (o.only.includes('throughput')) {
        const t = await again(
          'postgres throughput',
          () => throughput(pgCtx, size.throughput),
          (r) => r.ratio,
        );
        pgResults.throughput = { ...t, synchronous_commit: t.synchronous };
        // The group-commit decision: the same load with a transaction per message.
        const unbatched = await throughput({ ...pgCtx, serverEnv: { WRITE_BATCH_MAX: '1' } }, { ...size.throughput, baselines: false });
        pgResults.throughput_unbatched = { msgs_per_s: unbatched.msgs_per_s, ack_p99_ms: unbatched.ack_p99_ms, p99_ms: unbatched.p99_ms, lost: unbatched.lost };
      }
      // The API calls only: the browser runs the same pages whichever database answers.
      if (o.only.includes('datascale')) pgResults.datascale = await datascale(pgCtx, { ...size.datascale, browserReps: 0 });
    } catch (err) {
      ctx.log(`postgres failed: ${(err as Error).stack ?? err}`);
      pgResults.error = String((err as Error).message ?? err);
    } finally {
      cluster.stop();
    }
    results.postgres = pgResults;
    ctx.log(`postgres took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (o.cluster) {
    const t0 = Date.now();
    ctx.log('— cluster: fanout and throughput on PostgreSQL, one instance then three behind HAProxy; failover —');
    const pgc = await startPostgres();
    const redis = await startRedis(ctx.maxLifeMs).catch((err) => {
      pgc.stop();
      throw err;
    });
    const single: BenchContext = { ...ctx, postgres: pgc.target };
    const three: BenchContext = { ...single, cluster: { redis } };
    const c: Record<string, unknown> = { version: pgc.version, settings: pgc.target.settings, pool_size_per_instance: pgc.poolSize, instances: 3 };
    // No baselines here (the main table has them); with --reps the median run by the figure itself.
    const fan = { ...size.fanout, baselines: false };
    const tput = { ...size.throughput, baselines: false };
    const step = async <R>(key: string, run: () => Promise<R>) => {
      try {
        c[key] = await run();
      } catch (err) {
        ctx.log(`cluster ${key} failed: ${(err as Error).stack ?? err}`);
        c[key] = { error: String((err as Error).message ?? err) };
      }
    };
    try {
      if (o.only.includes('fanout')) {
        await step('fanout_single', () =>
          again(
            'cluster fanout, one instance',
            async () => (await fanout(single, fan)).result,
            (r) => r.p99_ms,
          ),
        );
        await step('fanout_three', () =>
          again(
            'cluster fanout, three instances',
            async () => (await fanout(three, fan)).result,
            (r) => r.p99_ms,
          ),
        );
      }
      if (o.only.includes('throughput')) {
        await step('throughput_single', () =>
          again(
            'cluster throughput, one instance',
            () => throughput(single, tput),
            (r) => r.msgs_per_s,
          ),
        );
        await step('throughput_three', () =>
          again(
            'cluster throughput, three instances',
            () => throughput(three, tput),
            (r) => r.msgs_per_s,
          ),
        );
      }
      await step('failover', () => failover(three, size.failover));
    } finally {
      redis.stop();
      pgc.stop();
    }
    results.cluster = clusterKeys(c);
    ctx.log(`cluster took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  await pools.stop();
  removeDataDirs();

  const summary = {
    run: {
      experiment: o.experiment ?? null,
      at: new Date(started).toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      quick: o.quick,
      sizes: { ...Object.fromEntries(o.only.map((n) => [n, size[n]])), ...(o.cluster ? { failover: size.failover } : {}) },
    },
    machine: m,
    server: {
      build: 'dist/server/main.js (production), NODE_ENV=production, 127.0.0.1, fresh DATA_DIR per scenario, synchronous=FULL',
      env_raised_by_bench: BENCH_SERVER_ENV,
    },
    receivers:
      'child processes speaking the Engine.IO v4 / Socket.IO v5 text protocol directly over `ws` (light client), each on its own 127.0.0.x source address',
    baselines: {
      raw: 'bench/baselines/ws-relay.mjs: ws relay, no auth/validation/persistence',
      socketio: 'bench/baselines/sio-room.mjs: bare Socket.IO room broadcast',
    },
    ...results,
    targets: targetsOf(results),
  };
  writeFileSync(o.out, `${JSON.stringify(summary, null, 2)}\n`);
  if (!o.startup || o.only.length) printTable(results);
  if (o.startup) process.stdout.write(`\n${startupTable(results.startup as Awaited<ReturnType<typeof startup>>)}\n`);
  process.stdout.write(`\nJSON summary: ${path.relative(process.cwd(), o.out)}\n`);
}

/** The issue's keys (`cluster.fanout.p99_ms`, …) beside the full results of each part. */
function clusterKeys(c: Record<string, any>) {
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const f = c.failover ?? {};
  return {
    ...c,
    fanout: { p99_ms: num(c.fanout_three?.p99_ms), single_p99_ms: num(c.fanout_single?.p99_ms) },
    throughput: { msgs_per_s: num(c.throughput_three?.msgs_per_s), single_msgs_per_s: num(c.throughput_single?.msgs_per_s) },
    failover: f.error
      ? f
      : { seconds: num(f.seconds), sockets: num(f.sockets), lost: num(f.lost), duplicates: num(f.duplicates), out_of_order: num(f.out_of_order), ...f },
  };
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
