import { summarize } from './accounting.js';

/** What every scenario gets from the entry point. */
export interface BenchContext {
  quick: boolean;
  /** Start the product server with --cpu-prof (profiles in bench/profiles). */
  cpuProf: boolean;
  /** Progress lines (stderr), never part of the results. */
  log(msg: string): void;
  /** Hard cap on the life of every process the bench starts. */
  maxLifeMs: number;
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
