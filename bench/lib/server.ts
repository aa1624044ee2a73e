import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import { sql } from 'kysely';
import WebSocket from 'ws';
import { openDatabase, openPostgres, type Db } from '../../db/client.js';
import type { BenchContext } from './context.js';
import { migrateToLatest } from '../../db/migrate.js';
import { freePort } from '../../tests/support/app.js';

/** A free loopback port (the tests' own helper). */
export { freePort };

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SERVER_ENTRY = path.join(ROOT, 'dist', 'server', 'main.js');

/** Settings the bench gives the server it starts (printed with the results). */
export const BENCH_SERVER_ENV = {
  // One bench user sends far more than a person would; the per-user limits are raised so the
  // measurement is of the write path, not of the limiter. Everything else is the default.
  MESSAGE_RATE_PER_MINUTE: '100000',
  MESSAGE_BURST: '10000',
  SOCKETS_PER_USER: '20',
};

const created: string[] = [];

/** A fresh data folder under the OS temp dir (removed by `removeDataDirs()` at the end of a run). */
export function freshDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'debrief-bench-'));
  created.push(dir);
  return dir;
}

/** Delete every data folder this process created. */
export function removeDataDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Open the (fresh) database of a data folder, migrated, for seeding before the server starts (`sqlite`: the raw handle, for bulk inserts). */
export async function openBenchDb(dataDir: string): Promise<{ db: Db; sqlite: Database.Database; close(): Promise<void> }> {
  mkdirSync(dataDir, { recursive: true });
  const { db, sqlite } = openDatabase(path.join(dataDir, 'debrief.sqlite'));
  await migrateToLatest(db);
  return { db, sqlite, close: () => db.destroy() };
}

/**
 * The database a scenario seeds and its server then uses: SQLite in the data folder, or (bench
 * `--postgres`) a fresh database on the bench's cluster, migrated. `env` is what the server needs
 * to find it; `synchronous` how durable a commit is there (SQLite's `synchronous`, PostgreSQL's `synchronous_commit`).
 */
export async function openBenchTarget(
  ctx: BenchContext,
  dataDir: string,
): Promise<{
  db: Db;
  env: Record<string, string>;
  synchronous(): Promise<string>;
  close(): Promise<void>;
  reopen(): Promise<{ db: Db; close(): Promise<void> }>;
}> {
  if (!ctx.postgres) {
    const { db, close } = await openBenchDb(dataDir);
    const SYNC = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
    const synchronous = async () => SYNC[Number((await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]?.synchronous)] ?? '?';
    return { db, env: { ...ctx.serverEnv }, synchronous, close, reopen: () => openBenchDb(dataDir) };
  }
  mkdirSync(dataDir, { recursive: true });
  const url = await ctx.postgres.fresh();
  const { db } = openPostgres(url, 4);
  await migrateToLatest(db);
  const synchronous = async () => (await sql<{ v: string }>`select current_setting('synchronous_commit') as v`.execute(db)).rows[0]!.v;
  const reopen = async () => {
    const again = openPostgres(url, 2).db;
    return { db: again, close: () => again.destroy() };
  };
  return { db, env: { ...ctx.serverEnv, DATABASE_URL: url }, synchronous, close: () => db.destroy(), reopen };
}

export interface ServerOptions {
  dataDir: string;
  port: number;
  env?: Record<string, string>;
  /** Write a V8 CPU profile to bench/*.cpuprofile on exit (git-ignored). */
  cpuProf?: boolean;
  /** Open the inspector on loopback (used to force a GC before reading RSS). */
  inspect?: boolean;
  /** Hard cap on the server's life (it also dies when the bench does). */
  maxLifeMs?: number;
  /** Read the server's own time of each answer from its log (`BenchServer.times`; the log level becomes debug). */
  serverTimes?: boolean;
}

/**
 * The server's own time of each answer, as it logs them: HTTP's `request` line (info, with the
 * request's id, which the response names in `X-Request-Id`) and a socket event's `socket event`
 * line (debug), each with `ms` from arrival to answer.
 */
export interface ServerTimes {
  /**
   * Wait until the log has been quiet for `quietMs` (the lines of answers already given may follow
   * them by a moment), then forget everything logged so far.
   */
  settle(quietMs?: number): Promise<void>;
  /** The `ms` of the HTTP request with this id, waiting for its line. */
  request(id: string, timeoutMs?: number): Promise<number>;
  /** The `ms` of the next `n` socket events answered since `settle`, waiting for their lines. */
  socketEvents(n: number, timeoutMs?: number): Promise<number[]>;
}

function serverTimes(): ServerTimes & { line(text: string): void } {
  let requests = new Map<string, number>();
  let events: number[] = [];
  let lastLine = 0;
  let wake: (() => void) | null = null;
  /** Resolve once `ready()` holds, waking at each line (throws after `timeoutMs`). */
  const until = async (ready: () => boolean, timeoutMs: number, what: string) => {
    const end = performance.now() + timeoutMs;
    while (!ready()) {
      const left = end - performance.now();
      if (left <= 0) throw new Error(`the server logged no time for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  };
  return {
    line(text) {
      lastLine = performance.now();
      const request = text.includes('"msg":"request"');
      if (!request && !text.includes('"msg":"socket event"')) return;
      const l = JSON.parse(text) as { ms?: unknown; requestId?: unknown };
      if (typeof l.ms !== 'number') return;
      if (request && typeof l.requestId === 'string') requests.set(l.requestId, l.ms);
      else if (!request) events.push(l.ms);
      wake?.();
    },
    async settle(quietMs = 100) {
      for (let quiet = performance.now() - lastLine; quiet < quietMs; quiet = performance.now() - lastLine)
        await new Promise((r) => setTimeout(r, quietMs - quiet));
      requests = new Map();
      events = [];
    },
    async request(id, timeoutMs = 5000) {
      await until(() => requests.has(id), timeoutMs, `request ${id}`);
      const ms = requests.get(id)!;
      requests.delete(id);
      return ms;
    },
    async socketEvents(n, timeoutMs = 5000) {
      await until(() => events.length >= n, timeoutMs, `${n} socket events (${events.length} logged)`);
      return events.splice(0, n);
    },
  };
}

/** `--experiment=stmt-cache`: preload lib/stmt-cache.mjs into the server (what-if runs, labelled as such). */
export const experiments = { stmtCache: false };

export interface BenchServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** SIGTERM, wait for exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** SIGKILL (crash), wait for exit. */
  kill9(): Promise<void>;
  /** Resident set size in KiB, from /proc. */
  rssKb(): number;
  /** Full GC through the inspector (needs `inspect`). */
  gc(): Promise<void>;
  /** The server's own time of each answer (`serverTimes`; null otherwise). */
  times: ServerTimes | null;
}

/** Start the production build (dist/server/main.js) on loopback; resolves once it listens. */
export async function startServer(o: ServerOptions): Promise<BenchServer> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run "npm run build" first`);
  const url = `http://127.0.0.1:${o.port}`;
  const args: string[] = ['--import', pathToFileURL(path.join(import.meta.dirname, 'watchdog.mjs')).href];
  if (o.cpuProf) args.push('--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench')}`);
  if (o.inspect) args.push('--inspect=127.0.0.1:0');
  if (experiments.stmtCache) args.push('--import', pathToFileURL(path.join(import.meta.dirname, 'stmt-cache.mjs')).href);
  const child = spawn(process.execPath, [...args, SERVER_ENTRY], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATA_DIR: o.dataDir,
      HOST: '127.0.0.1',
      PORT: String(o.port),
      PUBLIC_URL: url,
      LOG_LEVEL: o.serverTimes ? 'debug' : 'info',
      BENCH_MAX_LIFE_MS: String(o.maxLifeMs ?? 45 * 60_000),
      ...BENCH_SERVER_ENV,
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const times = o.serverTimes ? serverTimes() : null;
  let partial = '';
  if (times)
    child.stdout!.on('data', (d) => {
      const lines = (partial + String(d)).split('\n');
      partial = lines.pop()!;
      for (const l of lines) times.line(l);
    });
  let inspectorUrl = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${out.slice(-2000)}\n${err.slice(-2000)}`)), 20_000);
    child.stdout!.on('data', (d) => {
      // Keep only the tail: the request log of a long run would otherwise fill the bench's memory.
      out = (out + String(d)).slice(-20_000);
      if (out.includes('Debrief is listening')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.stderr!.on('data', (d) => {
      err = (err + String(d)).slice(-20_000);
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(err);
      if (m) inspectorUrl = m[1]!;
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server exited (${code}) during start-up:\n${out.slice(-2000)}\n${err.slice(-2000)}`));
    });
  });
  const waitExit = async (ms: number) => {
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    await exited;
    clearTimeout(t);
  };
  return {
    url,
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      child.kill('SIGTERM');
      await waitExit(15_000);
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode) return;
      child.kill('SIGKILL');
      await waitExit(5_000);
    },
    rssKb: () => rssKbOf(child.pid!),
    async gc() {
      if (!inspectorUrl) throw new Error('server was started without the inspector');
      await inspectorGc(inspectorUrl);
    },
    times,
  };
}

/** VmRSS of a process in KiB. */
export function rssKbOf(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Two full collections through the DevTools protocol (HeapProfiler.collectGarbage). */
async function inspectorGc(url: string): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('inspector did not answer')), 30_000);
    let id = 0;
    const call = () => ws.send(JSON.stringify({ id: ++id, method: 'HeapProfiler.collectGarbage' }));
    ws.on('open', call);
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { id?: number };
      if (m.id === 1) call();
      else if (m.id === 2) {
        clearTimeout(t);
        resolve();
      }
    });
    ws.on('error', reject);
  });
  ws.close();
  // Let the allocator hand freed pages back before RSS is read.
  await new Promise((r) => setTimeout(r, 500));
}
