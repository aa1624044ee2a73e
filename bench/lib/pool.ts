import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Command, SocketSpec } from './receiver.js';
import { addTallies, emptyTally, type Faults, type Tally } from './accounting.js';

/** What failover reports of the sockets of one process, or of all (see \`drops\`). */
interface DropFigures {
  dropped: number;
  open: number;
  caught: number;
  attempts: number;
  retried: number;
  caughtAts: number[];
  firstDropAt: number | null;
  lastCaughtAt: number;
}

const RECEIVER = path.join(import.meta.dirname, 'receiver.ts');

interface Proc {
  child: ChildProcess;
  /** Messages from the child not yet taken, and who waits for the next one. */
  inbox: any[];
  waiter: ((m: any) => void) | null;
  exited: boolean;
}

export interface ConnectResult {
  ok: number;
  failed: number;
  errors: Record<string, number>;
  /** Wall time until the slowest receiver had opened (and subscribed) all its sockets. */
  seconds: number;
  /** Sockets open per process. */
  perProc: number[];
}

export interface Report {
  tally: Tally;
  sockets: number;
  latencies: number[];
  ackLatencies: number[];
  acked: number;
  errors: Record<string, number>;
  avgFrameBytes: number;
}

/**
 * A pool of receiver processes (bench/lib/receiver.ts, run with tsx), each on its own loopback
 * source address so 10,000+ connections never run out of ephemeral ports. Sockets are dealt to
 * processes by group (a group never spans two processes, so delivery to a channel is accounted
 * where its sends are known). Every wait is bounded.
 */
export class ReceiverPool {
  private procs: Proc[] = [];
  private seenListeners: ((tag: string) => void)[] = [];

  static async start(n: number, maxLifeMs: number): Promise<ReceiverPool> {
    const pool = new ReceiverPool();
    for (let i = 0; i < n; i++) {
      const child = fork(RECEIVER, [], {
        execArgv: ['--import', 'tsx', '--max-old-space-size=2048'],
        env: { ...process.env, BENCH_RECEIVER_MAX_LIFE_MS: String(maxLifeMs) },
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const p: Proc = { child, inbox: [], waiter: null, exited: false };
      child.on('message', (m: any) => {
        if (m?.ev === 'seen') return pool.seenListeners.forEach((l) => l(m.tag));
        if (p.waiter) {
          const w = p.waiter;
          p.waiter = null;
          w(m);
        } else p.inbox.push(m);
      });
      child.on('exit', () => {
        p.exited = true;
        p.waiter?.({ ev: 'error', message: 'receiver exited' });
      });
      pool.procs.push(p);
    }
    await Promise.all(pool.procs.map((p) => pool.next(p, 30_000)));
    return pool;
  }

  get size(): number {
    return this.procs.length;
  }

  private next(p: Proc, timeoutMs: number): Promise<any> {
    if (p.inbox.length) return Promise.resolve(p.inbox.shift());
    if (p.exited) return Promise.reject(new Error('receiver exited'));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        p.waiter = null;
        reject(new Error(`receiver ${p.child.pid} did not answer in ${timeoutMs} ms`));
      }, timeoutMs);
      p.waiter = (m) => {
        clearTimeout(t);
        if (m?.ev === 'error') reject(new Error(m.message));
        else resolve(m);
      };
    });
  }

  private async all(cmds: (Command | null)[], timeoutMs: number): Promise<any[]> {
    return Promise.all(
      this.procs.map(async (p, i) => {
        const c = cmds[i];
        if (!c) return null;
        p.child.send(c);
        return this.next(p, timeoutMs);
      }),
    );
  }

  /** Deal socket specs to processes, whole groups at a time (round robin by group). */
  deal(specs: SocketSpec[]): SocketSpec[][] {
    const byGroup = new Map<string, SocketSpec[]>();
    for (const s of specs) byGroup.set(s.group, [...(byGroup.get(s.group) ?? []), s]);
    const out: SocketSpec[][] = this.procs.map(() => []);
    let i = 0;
    for (const list of byGroup.values()) out[i++ % out.length]!.push(...list);
    return out;
  }

  /** Open sockets on every process at once; resolves when all are open (or failed). */
  async connect(
    base: Omit<Extract<Command, { cmd: 'connect' }>, 'cmd' | 'sockets' | 'localAddress' | 'since'>,
    perProc: SocketSpec[][],
    since?: (number | null)[][] | number | null | 'last',
  ): Promise<ConnectResult> {
    const t0 = performance.now();
    const answers = await this.all(
      perProc.map((sockets, i) =>
        sockets.length ? { cmd: 'connect', ...base, sockets, localAddress: `127.0.0.${10 + i}`, since: Array.isArray(since) ? since[i] : since } : null,
      ),
      base.timeoutMs * Math.max(1, Math.ceil(Math.max(...perProc.map((s) => s.length)) / base.concurrency)) + 30_000,
    );
    const r: ConnectResult = { ok: 0, failed: 0, errors: {}, seconds: (performance.now() - t0) / 1000, perProc: answers.map((a) => a?.ok ?? 0) };
    for (const a of answers) {
      if (!a) continue;
      r.ok += a.ok;
      r.failed += a.failed;
      for (const [k, v] of Object.entries(a.errors as Record<string, number>)) r.errors[k] = (r.errors[k] ?? 0) + v;
    }
    return r;
  }

  /** Ask each process to say `seen` when a tag reached `counts[i]` of its sockets. */
  async notify(counts: number[]): Promise<void> {
    await this.all(
      counts.map((count) => ({ cmd: 'notify', count })),
      10_000,
    );
  }

  /** Resolve when every process that holds sockets reported `tag` (false on timeout). */
  waitSeen(tag: string, processes: number, timeoutMs: number): { done: Promise<boolean> } {
    let n = 0;
    let listener: (t: string) => void = () => {};
    const done = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        clearTimeout(t);
        this.seenListeners = this.seenListeners.filter((l) => l !== listener);
        resolve(ok);
      };
      listener = (seen) => {
        if (seen === tag && ++n === processes) finish(true);
      };
      this.seenListeners.push(listener);
    });
    return { done };
  }

  /** Every process keeps its share of `windowTotal` sends in flight for `durationMs`. */
  async blast(durationMs: number, windowTotal: number, settleMs: number, padTo = 0): Promise<void> {
    const per = Math.max(1, Math.round(windowTotal / this.procs.length));
    await this.all(
      this.procs.map(() => ({ cmd: 'blast', durationMs, window: per, settleMs, padTo })),
      durationMs + settleMs + 30_000,
    );
  }

  /** Every socket sends `perUserPerMinute` a minute (random phase) for `durationMs`. */
  async paced(durationMs: number, perUserPerMinute: number, typing: boolean, settleMs: number, padTo = 0): Promise<void> {
    await this.all(
      this.procs.map(() => ({ cmd: 'paced', durationMs, perUserPerMinute, typing, settleMs, padTo })),
      durationMs + settleMs * 3 + 30_000,
    );
  }

  /** Gather every process's accounting (faults are injected on the first process only). */
  async report(owed: 'tags' | 'group', tags?: string[], faults?: Faults): Promise<Report> {
    const answers = (await this.all(
      this.procs.map((_, i) => ({ cmd: 'report', owed, tags, ...(i === 0 && faults ? { faults } : {}) })),
      60_000,
    )) as Report[];
    const r: Report = { tally: emptyTally(), sockets: 0, latencies: [], ackLatencies: [], acked: 0, errors: {}, avgFrameBytes: 0 };
    let framesW = 0;
    for (const a of answers) {
      r.tally = addTallies(r.tally, a.tally);
      r.sockets += a.sockets;
      for (const v of a.latencies) r.latencies.push(v);
      for (const v of a.ackLatencies) r.ackLatencies.push(v);
      r.acked += a.acked;
      for (const [k, v] of Object.entries(a.errors)) r.errors[k] = (r.errors[k] ?? 0) + v;
      if (a.avgFrameBytes) {
        r.avgFrameBytes += a.avgFrameBytes;
        framesW++;
      }
    }
    r.avgFrameBytes = framesW ? Math.round(r.avgFrameBytes / framesW) : 0;
    return r;
  }

  /**
   * Failover figures over every process: sockets that dropped (their server died), open again,
   * reached `head` since (and when each did), needed more than one attempt; when the first dropped
   * and the last got to `head` (ms since the epoch).
   */
  async drops(head: number | null): Promise<DropFigures> {
    const answers = (await this.all(
      this.procs.map(() => ({ cmd: 'drops', head })),
      10_000,
    )) as DropFigures[];
    const firsts = answers.map((a) => a.firstDropAt).filter((x): x is number => x !== null);
    return {
      dropped: answers.reduce((n, a) => n + a.dropped, 0),
      open: answers.reduce((n, a) => n + a.open, 0),
      caught: answers.reduce((n, a) => n + a.caught, 0),
      attempts: answers.reduce((n, a) => n + a.attempts, 0),
      retried: answers.reduce((n, a) => n + a.retried, 0),
      caughtAts: answers.flatMap((a) => a.caughtAts),
      firstDropAt: firsts.length ? Math.min(...firsts) : null,
      lastCaughtAt: Math.max(0, ...answers.map((a) => a.lastCaughtAt)),
    };
  }

  async reset(): Promise<void> {
    await this.all(
      this.procs.map(() => ({ cmd: 'reset' })),
      10_000,
    );
  }

  async closeSockets(): Promise<void> {
    await this.all(
      this.procs.map(() => ({ cmd: 'close', timeoutMs: 10_000 })),
      20_000,
    );
  }

  /** Stop every receiver (IPC exit, then SIGKILL for any that linger). */
  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exited) return resolve();
            const t = setTimeout(() => {
              p.child.kill('SIGKILL');
              resolve();
            }, 5000);
            p.child.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            try {
              p.child.send({ cmd: 'exit' });
            } catch {
              p.child.kill('SIGKILL');
            }
          }),
      ),
    );
  }
}
