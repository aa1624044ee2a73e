import { summarize } from './accounting.js';
import type { ClusterSetup } from './cluster.js';
import { ReceiverPool } from './pool.js';

/** What every scenario gets from the entry point. */
export interface BenchContext {
  quick: boolean;
  /** Start the product server with --cpu-prof (bench/*.cpuprofile). */
  cpuProf: boolean;
  /** Progress lines (stderr), never part of the results. */
  log(msg: string): void;
  /** Hard cap on the life of every process the bench starts. */
  maxLifeMs: number;
  /** A pool of `n` receiver processes, shared by the scenarios of the run (sockets closed between uses). */
  pool(n: number): Promise<ReceiverPool>;
  /** Where the server keeps its data: SQLite in its data folder (default), or a fresh database on the bench's PostgreSQL cluster. */
  postgres?: PostgresTarget;
  /**
   * `--cluster`: the scenario's server is three instances behind HAProxy (bench/lib/cluster.ts),
   * on the `postgres` database (required with it); clients connect and write through the balancer.
   */
  cluster?: ClusterSetup;
  /** Extra settings for the server a scenario starts (what-if runs, e.g. WRITE_BATCH_MAX=1: no group commit). */
  serverEnv?: Record<string, string>;
}

/** The bench's own PostgreSQL cluster (`--postgres`): `fresh()` names a new empty database on it. */
export interface PostgresTarget {
  fresh(): Promise<string>;
  /** The durability settings the cluster runs with, as PostgreSQL reports them. */
  settings: Record<string, string>;
  /** CPU seconds used so far by the PostgreSQL server (postmaster and backends), when readable. */
  cpu?(): number;
}

/** Receiver pools shared by a run, keyed by size; `stop()` ends every process. */
export function poolCache(maxLifeMs: number) {
  const pools = new Map<number, Promise<ReceiverPool>>();
  return {
    pool: async (n: number) => {
      let p = pools.get(n);
      if (!p) pools.set(n, (p = ReceiverPool.start(n, maxLifeMs)));
      const pool = await p;
      await pool.reset();
      return pool;
    },
    stop: async () => {
      for (const p of pools.values()) await (await p.catch(() => null))?.stop();
      pools.clear();
    },
  };
}

/** Round to one decimal (ms, ratios). */
export const r1 = (v: number) => (Number.isFinite(v) ? Math.round(v * 10) / 10 : null);
export const r2 = (v: number) => (Number.isFinite(v) ? Math.round(v * 100) / 100 : null);

export const lat = (samples: number[]) => summarize(samples);

/** Sleep (bounded waits only). */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run `fn` with cleanups that always run, in reverse order, whatever happens. */
export async function withCleanup<T>(fn: (defer: (c: () => Promise<unknown> | unknown) => void) => Promise<T>): Promise<T> {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  try {
    return await fn((c) => cleanups.push(c));
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        /* best effort: the next cleanup still runs */
      }
    }
  }
}
