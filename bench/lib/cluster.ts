import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from './context.js';
import { freePort, ROOT, startServer, type BenchServer } from './server.js';

/**
 * The bench's several-instances setup (`npm run bench -- --cluster`), on its own (the bench imports
 * nothing new from tests/): a throwaway `redis-server` (Debian's package, no persistence, its own
 * free loopback port) shared by the run, and for each scenario three processes of the production
 * build sharing the scenario's PostgreSQL database, Redis, SECRET_KEY and one uploads folder, with
 * HAProxy (Debian's `haproxy`) in front running the repo's own `deploy/haproxy.cfg` (round-robin,
 * no stickiness). Every instance's PUBLIC_URL is the balancer's origin and TRUST_PROXY its address.
 * Redis and HAProxy run under `timeout -s KILL` (a hard cap on their life, like the servers'
 * watchdog) and are also killed when the bench exits.
 */
const HAPROXY_CONFIG = path.join(ROOT, 'deploy', 'haproxy.cfg');

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** Fail early, in one line, when a binary `--cluster` needs is missing. */
export function checkClusterBinaries(): void {
  if (!has('haproxy')) throw new Error('--cluster needs haproxy: apt-get install -y haproxy (Debian)');
  if (!has('redis-server')) throw new Error('--cluster needs redis-server: apt-get install -y redis-server (Debian)');
}

/** Kill a child we started (by its pid) when the bench process exits, whatever the reason. */
function killOnExit(child: ChildProcess): () => void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  return () => process.off('exit', kill);
}

/** One RESP command over a fresh TCP connection; resolves with the first reply line. */
function redisCommand(port: number, cmd: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write(`${cmd}\r\n`));
    s.setTimeout(timeoutMs, () => (s.destroy(), reject(new Error(`redis ${cmd}: no answer`))));
    s.on('data', (d) => (s.destroy(), resolve(String(d).split('\r\n')[0]!)));
    s.on('error', reject);
  });
}

export interface BenchRedis {
  url: string;
  pid: number;
  /** Empty it (between scenarios: no adapter stream or limiter keys carried over). */
  flush(): Promise<void>;
  stop(): void;
}

/** A throwaway redis-server for the run: no persistence, loopback only, a temp folder. */
export async function startRedis(maxLifeMs: number): Promise<BenchRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'debrief-bench-redis-'));
  const port = await freePort();
  const child = spawn(
    'timeout',
    [
      '-s',
      'KILL',
      `${Math.ceil(maxLifeMs / 1000) + 60}`,
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--protected-mode',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const unhook = killOnExit(child);
  const stop = () => {
    unhook();
    // `timeout` passes TERM on to redis-server; KILL after a moment for both.
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    rmSync(dir, { recursive: true, force: true });
  };
  for (const until = Date.now() + 10_000; ;) {
    if ((await redisCommand(port, 'PING', 500).catch(() => '')) === '+PONG') break;
    if (Date.now() > until || child.exitCode !== null) {
      stop();
      throw new Error(`redis-server did not answer on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    flush: async () => void (await redisCommand(port, 'FLUSHALL')),
    stop,
  };
}

/** What a scenario talks to: one server, or (`--cluster`) three instances behind HAProxy. */
export interface BenchTarget {
  /** Where clients connect and write: the server, or the balancer. */
  url: string;
  /** The server processes (one, or three: a, b, c). */
  servers: BenchServer[];
  /** CPU seconds used so far by each process of the target (user + system, from /proc). */
  cpu(): Record<string, number>;
  /** Stop everything this target started (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (utime + stime) of one process, or NaN once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of a process and its children: its own, those of the children it has reaped
 * (cutime, cstime) and those of its live children (PostgreSQL: the postmaster and its backends).
 */
export function treeCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return own + kids.reduce((n, k) => n + (cpuSecondsOf(k) || 0), 0);
  } catch {
    return NaN;
  }
}

/** Busy CPU seconds of the whole machine so far (every core; /proc/stat, idle and iowait left out). */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) / TICKS;
}

/** Difference of two `cpu()` readings, rounded to 0.1 s (null: the process is gone, e.g. killed). */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>): Record<string, number | null> {
  return Object.fromEntries(
    Object.keys(after).map((k) => {
      const d = (after[k] ?? NaN) - (before[k] ?? NaN);
      return [k, Number.isFinite(d) ? Math.round(d * 10) / 10 : null];
    }),
  );
}

export interface TargetOptions {
  dataDir: string;
  /** What the server needs to find its database (openBenchTarget's env). */
  env: Record<string, string>;
}

/** Start the scenario's target: `ctx.cluster` set → three instances behind HAProxy, else one server. */
export async function startTarget(ctx: BenchContext, o: TargetOptions): Promise<BenchTarget> {
  if (!ctx.cluster) {
    const server = await startServer({ dataDir: o.dataDir, port: await freePort(), env: o.env, cpuProf: ctx.cpuProf, maxLifeMs: ctx.maxLifeMs });
    return {
      url: server.url,
      servers: [server],
      cpu: () => ({ server: cpuSecondsOf(server.pid), ...(ctx.postgres?.cpu ? { postgres: ctx.postgres.cpu() } : {}), machine: machineBusySeconds() }),
      stop: () => server.stop(),
    };
  }
  if (!o.env.DATABASE_URL) throw new Error('--cluster runs on PostgreSQL: the scenario has no DATABASE_URL');
  const redis = ctx.cluster.redis;
  await redis.flush();
  const lbPort = await freePort();
  const lbUrl = `http://127.0.0.1:${lbPort}`;
  const uploadsDir = path.join(o.dataDir, 'uploads');
  mkdirSync(uploadsDir, { recursive: true });
  const env = {
    ...o.env,
    REDIS_URL: redis.url,
    SECRET_KEY: randomBytes(32).toString('hex'),
    UPLOADS_DIR: uploadsDir,
    PUBLIC_URL: lbUrl,
    TRUST_PROXY: '127.0.0.1',
    SHUTDOWN_GRACE_MS: '2000',
  };
  const servers: BenchServer[] = [];
  let haproxy: ChildProcess | null = null;
  let unhook = () => {};
  const stop = async () => {
    unhook();
    if (haproxy && haproxy.exitCode === null && haproxy.signalCode === null) {
      const h = haproxy;
      const gone = new Promise((r) => h.once('exit', r));
      h.kill('SIGTERM');
      const t = setTimeout(() => h.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    }
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    // The three start at once on the (already migrated) database.
    const started = await Promise.allSettled(
      ['a', 'b', 'c'].map(async (name) => {
        const dataDir = path.join(o.dataDir, name);
        mkdirSync(dataDir, { recursive: true });
        const s = await startServer({ dataDir, port: await freePort(), env, cpuProf: ctx.cpuProf, maxLifeMs: ctx.maxLifeMs });
        servers.push(s);
        return s;
      }),
    );
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // Keep a, b, c in order (they were pushed as they came up).
    const ordered = started.map((r) => (r as PromiseFulfilledResult<BenchServer>).value);
    servers.splice(0, servers.length, ...ordered);
    const port = (s: BenchServer) => new URL(s.url).port;
    haproxy = spawn('timeout', ['-s', 'KILL', `${Math.ceil(ctx.maxLifeMs / 1000) + 60}`, 'haproxy', '-db', '-f', HAPROXY_CONFIG], {
      env: {
        PATH: process.env.PATH ?? '',
        DEBRIEF_LISTEN: `127.0.0.1:${lbPort}`,
        DEBRIEF_A: `127.0.0.1:${port(servers[0]!)}`,
        DEBRIEF_B: `127.0.0.1:${port(servers[1]!)}`,
        DEBRIEF_C: `127.0.0.1:${port(servers[2]!)}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    unhook = killOnExit(haproxy);
    let log = '';
    haproxy.stderr!.on('data', (d) => (log = (log + String(d)).slice(-4000)));
    // Up once the balancer has all three in rotation (its health checks passed): six requests, three answerers.
    for (const until = Date.now() + 15_000; ;) {
      const ok = new Set<number>();
      for (let i = 0; i < 6; i++) if ((await fetch(`${lbUrl}/healthz`).catch(() => null))?.status === 200) ok.add(i % 3);
      if (ok.size === 3) break;
      if (Date.now() > until || haproxy.exitCode !== null) throw new Error(`haproxy did not come up:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // The `timeout` wrapper's child is haproxy itself: read its pid for the CPU figures.
    const hpid = childPidOf(haproxy.pid!);
    const names = ['a', 'b', 'c'];
    return {
      url: lbUrl,
      servers,
      cpu: () => ({
        ...Object.fromEntries(servers.map((s, i) => [`instance_${names[i]}`, cpuSecondsOf(s.pid)])),
        haproxy: hpid ? cpuSecondsOf(hpid) : NaN,
        redis: childPidOf(redis.pid) ? cpuSecondsOf(childPidOf(redis.pid)!) : NaN,
        ...(ctx.postgres?.cpu ? { postgres: ctx.postgres.cpu() } : {}),
        machine: machineBusySeconds(),
      }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The first child of a process (the program a `timeout` wrapper runs), from /proc. */
function childPidOf(pid: number): number | null {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : null;
  } catch {
    return null;
  }
}

/** The run's `--cluster` setup: its Redis (started once, flushed per scenario). */
export interface ClusterSetup {
  redis: BenchRedis;
}
