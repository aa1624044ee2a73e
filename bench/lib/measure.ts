import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { summarize } from './accounting.js';
import type { ServerTimes } from './server.js';

/**
 * Measuring one call against the running server: serial requests (latency percentiles and the
 * server's CPU time per request, from /proc/<pid>/stat), then concurrent clients for a while
 * (latency under load and requests per second). The call itself is a function, so the same
 * runner times an HTTP GET and a Socket.IO request.
 */

/**
 * One request: resolves with the size of the answer (and its encoding; `ms` when it timed itself;
 * HTTP: the `requestId` the server named; a socket request: how many `answers` it took, 1 unless
 * told), throws on a failure.
 */
export type Once = (
  worker: number,
) => Promise<{ bytes: number; encoding?: string | null; note?: string; ms?: number; requestId?: string | null; answers?: number }>;

export interface Measured {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** The server's own time per serial request (arrival to answer, summed over its answers), from its log; null when not read. */
  server_p50_ms: number | null;
  server_p99_ms: number | null;
  server_max_ms: number | null;
  cpu_ms: number | null;
  bytes: number;
  content_encoding: string | null;
  concurrent_p50_ms: number | null;
  concurrent_p99_ms: number | null;
  rps: number | null;
  concurrent_requests: number;
  errors: string[];
  note?: string;
}

export interface MeasureOptions {
  serial: number;
  warmup: number;
  concurrency: number;
  concurrentMs: number;
  /** The server process whose CPU is read. */
  pid: number;
  /**
   * CPU ms so far of the processes that do the server's work beside it (PostgreSQL's postmaster
   * and backends), added to the server's: on PostgreSQL much of a request's cost is in the database.
   */
  alsoCpuMs?: () => number;
  /** Where the server's own time of each answer is read (BenchServer.times). */
  serverTimes?: ServerTimes | null;
}

const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return 10;
  }
})();

/** User + system CPU of a process so far, in ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12.
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

export async function measure(once: Once, o: MeasureOptions): Promise<Measured> {
  const errors = new Map<string, number>();
  const fail = (err: unknown) => {
    const m = String((err as Error).message ?? err).slice(0, 200);
    errors.set(m, (errors.get(m) ?? 0) + 1);
  };
  let bytes = 0;
  let encoding: string | null = null;
  let note: string | undefined;
  for (let i = 0; i < o.warmup; i++) await once(0).catch(fail);

  const serial: number[] = [];
  const inServer: number[] = [];
  // Every request before this one has been answered; their socket events' lines must not count as this phase's.
  await o.serverTimes?.settle();
  const cpuNow = () => cpuMsOf(o.pid) + (o.alsoCpuMs?.() ?? 0);
  const cpu0 = cpuNow();
  for (let i = 0; i < o.serial; i++) {
    const t = performance.now();
    try {
      const r = await once(0);
      serial.push(r.ms ?? performance.now() - t);
      if (o.serverTimes)
        inServer.push(r.requestId ? await o.serverTimes.request(r.requestId) : (await o.serverTimes.socketEvents(r.answers ?? 1)).reduce((a, b) => a + b, 0));
      bytes = r.bytes;
      encoding = r.encoding ?? null;
      note = r.note ?? note;
    } catch (err) {
      fail(err);
      // A failed socket request's lines (if any) must not be read as the next one's.
      await o.serverTimes?.settle();
    }
  }
  const cpu = cpuNow() - cpu0;

  const concurrent: number[] = [];
  const started = performance.now();
  const until = started + o.concurrentMs;
  await Promise.all(
    Array.from({ length: o.concurrency }, async (_, w) => {
      while (performance.now() < until) {
        const t = performance.now();
        try {
          const r = await once(w + 1);
          concurrent.push(r.ms ?? performance.now() - t);
        } catch (err) {
          fail(err);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const s = summarize(serial);
  const c = summarize(concurrent);
  const v = inServer.length ? summarize(inServer) : null;
  return {
    p50_ms: s.p50,
    p99_ms: s.p99,
    max_ms: s.max,
    server_p50_ms: v ? v.p50 : null,
    server_p99_ms: v ? v.p99 : null,
    server_max_ms: v ? v.max : null,
    // NaN (PostgreSQL's CPU unreadable) must not pass for a figure.
    cpu_ms: serial.length && Number.isFinite(cpu) ? round1(cpu / o.serial) : null,
    bytes,
    content_encoding: encoding,
    concurrent_p50_ms: concurrent.length ? c.p50 : null,
    concurrent_p99_ms: concurrent.length ? c.p99 : null,
    rps: concurrent.length ? round1(concurrent.length / elapsed) : null,
    concurrent_requests: concurrent.length,
    errors: [...errors].map(([m, k]) => `${k}× ${m}`),
    ...(note ? { note } : {}),
  };
}

/** A GET of the API as our pages send it (same Origin, the session cookie); throws unless 200. Worker w uses cookies[w]. */
export function httpGet(url: string, path: string, cookies: string[]): Once {
  return async (w) => {
    const res = await fetch(`${url}/api${path}`, {
      headers: { origin: url, cookie: cookies[w % cookies.length]!, accept: 'application/json' },
      signal: AbortSignal.timeout(180_000),
    });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body.toString('utf8', 0, 200)}`);
    return { bytes: body.length, encoding: res.headers.get('content-encoding'), requestId: res.headers.get('x-request-id') };
  };
}
