import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { withCleanup, type BenchContext } from './context.js';
import type { ReceiverPool } from './pool.js';
import { freePort } from './server.js';
import { classify, CONNECT, ENGINE_PATH, eventFrame, PONG } from './wire.js';

const BASELINES = path.join(import.meta.dirname, '..', 'baselines');

export interface Baseline {
  kind: 'raw' | 'sio';
  url: string;
  pid: number;
  /** RSS in KiB after two full GCs inside the baseline process. */
  rssKb(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Run `fn` against a baseline of `kind` and a pool of `receivers`: the baseline stops and the
 * pool's sockets close afterwards, whatever happens (`defer` adds more cleanups).
 */
export function withBaseline<T>(
  ctx: BenchContext,
  kind: 'raw' | 'sio',
  receivers: number,
  fn: (b: Baseline, pool: ReceiverPool, defer: (c: () => Promise<unknown> | unknown) => void) => Promise<T>,
): Promise<T> {
  return withCleanup(async (defer) => {
    const b = await startBaseline(kind, await freePort(), ctx.maxLifeMs);
    defer(() => b.stop());
    const pool = await ctx.pool(receivers);
    defer(() => pool.closeSockets());
    return fn(b, pool, defer);
  });
}

/**
 * Start a baseline server in its own process (plain node, `--expose-gc`, no TypeScript loader):
 * 'raw' = baselines/ws-relay.mjs, 'sio' = baselines/sio-room.mjs. It exits by itself if the
 * bench goes away or after `maxLifeMs`.
 */
export async function startBaseline(kind: 'raw' | 'sio', port: number, maxLifeMs: number): Promise<Baseline> {
  const file = path.join(BASELINES, kind === 'raw' ? 'ws-relay.mjs' : 'sio-room.mjs');
  const child: ChildProcess = fork(file, [], {
    execArgv: ['--expose-gc'],
    env: { PATH: process.env.PATH ?? '', PORT: String(port), MAX_LIFE_MS: String(maxLifeMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (ev: string, ms: number) =>
    new Promise<any>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`baseline ${kind}: no ${ev} in ${ms} ms`)), ms);
      const on = (m: any) => {
        if (m?.ev !== ev) return;
        clearTimeout(t);
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
    });
  await next('ready', 15_000);
  return {
    kind,
    url: `${kind === 'raw' ? 'ws' : 'http'}://127.0.0.1:${port}`,
    pid: child.pid!,
    async rssKb() {
      const answer = next('rss', 30_000);
      child.send({ cmd: 'rss' });
      return (await answer).rssKb as number;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      try {
        child.send({ cmd: 'exit' });
      } catch {
        child.kill('SIGKILL');
      }
      await gone;
      clearTimeout(t);
    },
  };
}

/** The bench's own sending socket to a baseline (not a member of the room it sends to). */
export interface BaselineSender {
  send(payload: unknown): Promise<void>;
  close(): void;
}

export async function baselineSender(b: Baseline, room = 'all'): Promise<BaselineSender> {
  const url = b.kind === 'raw' ? `${b.url}/?room=${room}&sender=1` : `${b.url.replace('http', 'ws')}${ENGINE_PATH}&room=${room}&sender=1`;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const acks = new Map<number, () => void>();
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('baseline sender did not connect')), 10_000);
    const ok = () => {
      clearTimeout(t);
      resolve();
    };
    ws.on('error', reject);
    if (b.kind === 'raw') ws.on('open', ok);
    ws.on('message', (d) => {
      const s = String(d);
      if (b.kind === 'raw') {
        if (s[0] === 'A') acks.get(Number(s.slice(1)))?.();
        return;
      }
      const m = classify(s);
      if (m.kind === 'open') ws.send(CONNECT);
      else if (m.kind === 'connected') ok();
      else if (m.kind === 'ping') ws.send(PONG);
      else if (m.kind === 'ack') acks.get(m.id)?.();
    });
  });
  return {
    send(payload) {
      return new Promise<void>((resolve, reject) => {
        const id = nextId++;
        const t = setTimeout(() => reject(new Error('baseline sender: no ack')), 10_000);
        acks.set(id, () => {
          clearTimeout(t);
          acks.delete(id);
          resolve();
        });
        ws.send(b.kind === 'raw' ? `${id}|${JSON.stringify({ type: 'message:created', data: payload })}` : eventFrame('message:send', payload, id));
      });
    },
    close: () => ws.terminate(),
  };
}
