/**
 * A receiver process (forked by the harness): holds many sockets with the light wire client
 * (`ws` + the Engine.IO/Socket.IO text protocol, see wire.ts) or raw `ws` for the baseline,
 * records every marked payload that arrives (tag, log position, latency from the sender's
 * clock) and, when told, sends: message bursts with a bounded window (throughput) or paced
 * chat with typing indicators (mixed). It talks to the harness over IPC only, and exits by
 * itself when the harness goes away or after `maxLifeMs`.
 */
import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';
import { accountSocket, addTallies, emptyTally, injectFaults, type Arrival, type Faults, type Tally } from './accounting.js';
import { classify, CONNECT, ENGINE_PATH, eventFrame, marker, nowMicros, PONG, scan } from './wire.js';

export interface SocketSpec {
  /** Cookie header (Debrief), absent for baselines. */
  cookie?: string;
  /** Query string for a baseline server (its room). */
  query?: string;
  /** Delivery group (a client's channel): owed every acked send of the group. */
  group: string;
  /** Client id the group belongs to (presence target for typing). */
  clientId?: string;
}

export type Command =
  | {
      cmd: 'connect';
      url: string;
      origin: string;
      mode: 'sio' | 'raw';
      sockets: SocketSpec[];
      subscribe: boolean;
      since?: (number | null)[] | number | null | 'last';
      joinChannel?: boolean;
      concurrency: number;
      timeoutMs: number;
      localAddress?: string;
      /**
       * Failover: a socket that drops (its server died) reconnects by itself, as the portal's
       * socket.io-client does (delay 1 s doubling to 5 s, ±50 % jitter), with the last position it
       * saw (`feed:subscribe {since}`), keeping its arrivals: the accounting spans the whole run.
       */
      reconnect?: boolean;
    }
  | { cmd: 'notify'; count: number }
  | { cmd: 'blast'; durationMs: number; window: number; settleMs: number; padTo?: number }
  | { cmd: 'paced'; durationMs: number; perUserPerMinute: number; typing: boolean; settleMs: number; padTo?: number }
  | { cmd: 'report'; owed: 'tags' | 'group'; tags?: string[]; faults?: Faults; keepLatencies?: boolean }
  | { cmd: 'reset' }
  | { cmd: 'drops'; head: number | null }
  | { cmd: 'close'; timeoutMs: number }
  | { cmd: 'exit' };

interface Sock {
  ws: WebSocket;
  mode: 'sio' | 'raw';
  spec: SocketSpec;
  open: boolean;
  arrivals: Arrival[];
  /** The last log position this socket saw (subscribe answer or pushed event). */
  lastPos: number | null;
  nextAck: number;
  acks: Map<number, (body: string) => void>;
  /** Closed on purpose (no reconnect). */
  closing?: boolean;
  /** Failover: when it first dropped, reconnect attempts, and its positions since ([ms epoch, position]). */
  droppedAt?: number;
  attempts?: number;
  timeline?: [number, number][];
  /** Live frames held (with their arrival time, µs) while its catch-up is outstanding, as the portal holds them. */
  held?: [string, number][];
}

const sockets: Sock[] = [];
/** Last position per session cookie, kept across close/reconnect (what a browser remembers). */
const lastPosByCookie = new Map<string, number | null>();
let latencies: number[] = [];
let frameBytes = 0;
let frames = 0;
let notifyAt = 0;
const seenCount = new Map<string, number>();
/** Tags acknowledged per group (sends that the server confirmed). */
const ackedByGroup = new Map<string, string[]>();
let ackLatencies: number[] = [];
const sendErrors = new Map<string, number>();
let sent = 0;
const PROC = process.pid.toString(36);

const post = (m: unknown) => process.send?.(m);

function record(s: Sock, tag: string, position: number, sentUs: number, live: boolean, arrivedUs = nowMicros()): void {
  s.arrivals.push({ tag, position });
  if (position > (s.lastPos ?? -1)) s.lastPos = position;
  if (s.timeline && s.timeline.length < 10_000) s.timeline.push([Date.now(), position]);
  if (live) latencies.push((arrivedUs - sentUs) / 1000);
  if (notifyAt) {
    const n = (seenCount.get(tag) ?? 0) + 1;
    seenCount.set(tag, n);
    if (n === notifyAt) post({ ev: 'seen', tag });
  }
}

function onFrame(s: Sock, data: string): void {
  const m = classify(data);
  if (m.kind === 'ping') return void s.ws.send(PONG);
  if (m.kind === 'ack') {
    const cb = s.acks.get(m.id);
    s.acks.delete(m.id);
    cb?.(m.body);
    return;
  }
  if (m.kind === 'event') {
    if (s.held) return void s.held.push([data, nowMicros()]);
    liveEvent(s, data);
  }
}

/** A pushed event: counted, and recorded when it carries a marker (`arrivedUs`: when it came, if it was held). */
function liveEvent(s: Sock, data: string, arrivedUs?: number): void {
  const hit = scan(data);
  frameBytes += data.length;
  frames++;
  if (hit) record(s, hit.tag, hit.position, hit.sentUs, true, arrivedUs);
}

function onRaw(s: Sock, data: string): void {
  if (data.charCodeAt(0) === 0x41) {
    // 'A<ackId>'
    const id = Number(data.slice(1));
    const cb = s.acks.get(id);
    s.acks.delete(id);
    cb?.('[{"ok":true}]');
    return;
  }
  const hit = scan(data);
  frameBytes += data.length;
  frames++;
  if (hit) record(s, hit.tag, hit.position, hit.sentUs, true);
}

/** Emit with an ack over the light client; resolves with the parsed first ack argument. */
async function ask(s: Sock, event: string, payload: unknown, timeoutMs: number): Promise<any> {
  return (JSON.parse(await askRaw(s, event, payload, timeoutMs)) as unknown[])[0];
}

const EVENT_IN_ANSWER = /"position":(\d+),[^]*?BENCH-([A-Za-z0-9.]+)-(\d+)-/g;

/** Emit with an ack; resolves with the ack's raw JSON text (an array of the ack's arguments). */
function askRaw(s: Sock, event: string, payload: unknown, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!s.open) return reject(new Error('socket closed'));
    const id = s.nextAck++;
    const t = setTimeout(() => {
      s.acks.delete(id);
      reject(new Error(`${event}: no ack in ${timeoutMs} ms`));
    }, timeoutMs);
    s.acks.set(id, (body) => {
      clearTimeout(t);
      resolve(body);
    });
    // Raw baseline: `<ackId>|<payload>`, answered by `A<ackId>` (see baselines/ws-relay.mjs).
    s.ws.send(s.mode === 'sio' ? eventFrame(event, payload, id) : `${id}|${JSON.stringify({ type: 'message:created', data: payload })}`);
  });
}

/** Open one socket; resolves once it may be used (connected, subscribed, joined). */
function openOne(c: Extract<Command, { cmd: 'connect' }>, spec: SocketSpec, since: number | null, prev?: Sock): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const url = c.mode === 'sio' ? `${c.url}${ENGINE_PATH}${spec.query ? `&${spec.query}` : ''}` : `${c.url}/${spec.query ? `?${spec.query}` : ''}`;
    const headers: Record<string, string> = { origin: c.origin };
    if (spec.cookie) headers.cookie = spec.cookie;
    const ws = new WebSocket(url, {
      headers,
      perMessageDeflate: false,
      handshakeTimeout: c.timeoutMs,
      ...(c.localAddress ? { localAddress: c.localAddress } : {}),
    });
    // A reconnection reuses its socket's record (arrivals, last position, timeline) with a new connection.
    const s: Sock = prev ?? { ws, mode: c.mode, spec, open: false, arrivals: [], lastPos: null, nextAck: 1, acks: new Map() };
    if (prev) Object.assign(prev, { ws, open: false, nextAck: 1, acks: new Map() });
    const timer = setTimeout(() => fail(new Error('connect timeout')), c.timeoutMs);
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const ready = async () => {
      try {
        if (c.mode === 'sio' && c.subscribe) {
          // The answer is scanned raw (no JSON.parse of ~50 KB per socket: the receivers share the
          // server's two cores, and their parsing would be counted as the server's catch-up time).
          // Live events that come before the catch-up answer wait for it (the portal does the same:
          // otherwise a reconnection during traffic would apply newer events before older ones).
          s.held = [];
          let raw = await askRaw(s, 'feed:subscribe', { since }, c.timeoutMs);
          const pos = /"position":(\d+),"events"/.exec(raw);
          const until = pos ? Number(pos[1]) : null;
          // A long gap comes in parts: read each (feed:catchup) until the last.
          for (let event = 'feed:subscribe'; ; event = 'feed:catchup') {
            if (!raw.startsWith('[{"ok":true')) throw new Error(`${event} refused: ${raw.slice(0, 120)}`);
            if (raw.includes('"resync":true')) throw new Error(`${event} answered resync`);
            const eventsAt = raw.indexOf('"events":[');
            // Each event: its position, then the first marker of its data (every bench event carries one).
            for (const m of raw.slice(eventsAt).matchAll(EVENT_IN_ANSWER)) record(s, m[2]!, Number(m[1]), Number(m[3]), false);
            const next = /"next":(\d+)\}\]$/.exec(raw);
            if (!next || until === null) break;
            raw = await askRaw(s, 'feed:catchup', { after: Number(next[1]), until }, c.timeoutMs);
          }
          s.lastPos = until ?? s.lastPos;
          if (s.timeline && s.lastPos !== null) s.timeline.push([Date.now(), s.lastPos]);
          const held = s.held;
          s.held = undefined;
          for (const [data, at] of held) liveEvent(s, data, at);
        }
        if (c.mode === 'sio' && c.joinChannel && spec.clientId) {
          const answer = await ask(s, 'presence:join', { target: { kind: 'channel', id: spec.clientId } }, c.timeoutMs);
          if (!answer?.ok) throw new Error(`presence:join refused: ${answer?.error?.code}`);
        }
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(s);
      } catch (err) {
        fail(err as Error);
      }
    };
    ws.on('error', (err) => fail(err));
    ws.on('close', () => {
      // Only this attempt's connection (a reconnection has replaced `s.ws` by then).
      if (s.ws === ws) s.open = false;
      fail(new Error('closed during connect'));
    });
    ws.on('message', (buf, isBinary) => {
      if (isBinary) return;
      const data = buf.toString();
      if (c.mode === 'raw') return onRaw(s, data);
      if (!s.open) {
        const m = classify(data);
        if (m.kind === 'open') return void ws.send(CONNECT);
        if (m.kind === 'connect_error') return fail(new Error(m.message));
        if (m.kind === 'connected') {
          s.open = true;
          void ready();
          return;
        }
      }
      onFrame(s, data);
    });
    if (c.mode === 'raw') {
      ws.on('open', () => {
        s.open = true;
        void ready();
      });
    }
  });
}

async function connectAll(c: Extract<Command, { cmd: 'connect' }>): Promise<void> {
  const started = performance.now();
  const errors: Record<string, number> = {};
  let ok = 0;
  let next = 0;
  const sinceOf = (i: number) =>
    c.since === 'last' ? (lastPosByCookie.get(c.sockets[i]!.cookie ?? '') ?? null) : Array.isArray(c.since) ? (c.since[i] ?? null) : (c.since ?? null);
  const worker = async () => {
    while (next < c.sockets.length) {
      const i = next++;
      try {
        const s = await openOne(c, c.sockets[i]!, sinceOf(i));
        sockets.push(s);
        if (c.reconnect) watchDrop(c, s);
        ok++;
      } catch (err) {
        const k = (err as Error).message.slice(0, 80);
        errors[k] = (errors[k] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(c.concurrency, c.sockets.length) }, worker));
  post({ ev: 'connected', ok, failed: c.sockets.length - ok, errors, ms: performance.now() - started });
}

/** Failover: when the socket's connection ends without our asking, reconnect it (see `reconnect`). */
function watchDrop(c: Extract<Command, { cmd: 'connect' }>, s: Sock): void {
  const ws = s.ws;
  ws.once('close', () => {
    if (s.closing || s.ws !== ws) return;
    s.open = false;
    s.droppedAt ??= Date.now();
    s.timeline ??= [];
    let n = 0;
    const attempt = () => {
      if (s.closing) return;
      s.attempts = (s.attempts ?? 0) + 1;
      openOne(c, s.spec, s.lastPos, s).then(
        () => (s.closing ? s.ws.terminate() : watchDrop(c, s)),
        () => later(),
      );
    };
    // socket.io-client's defaults as the portal sets them: 1 s doubling, at most 5 s, ±50 %.
    const later = () => setTimeout(attempt, Math.min(1000 * 2 ** n++, 5000) * (0.5 + Math.random()));
    later();
  });
}

/**
 * Failover figures of this process: sockets that dropped, how many are open again, how many have
 * reached `head` (a position at or past it, from a catch-up answer or a live event) since, and
 * when the last of those got there.
 */
function drops(head: number | null): void {
  let dropped = 0;
  let open = 0;
  let caught = 0;
  let attempts = 0;
  let lastCaughtAt = 0;
  let firstDropAt = Infinity;
  const caughtAts: number[] = [];
  let retried = 0;
  for (const s of sockets) {
    if (s.droppedAt === undefined) continue;
    dropped++;
    attempts += s.attempts ?? 0;
    if ((s.attempts ?? 0) > 1) retried++;
    firstDropAt = Math.min(firstDropAt, s.droppedAt);
    if (s.open) open++;
    const at = head === null ? undefined : s.timeline?.find(([, p]) => p >= head)?.[0];
    if (at !== undefined) {
      caught++;
      caughtAts.push(at);
      lastCaughtAt = Math.max(lastCaughtAt, at);
    }
  }
  post({ ev: 'drops', dropped, open, caught, attempts, retried, caughtAts, lastCaughtAt, firstDropAt: Number.isFinite(firstDropAt) ? firstDropAt : null });
}

const groupSockets = () => {
  const g = new Map<string, Sock[]>();
  for (const s of sockets) if (s.open) g.set(s.spec.group, [...(g.get(s.spec.group) ?? []), s]);
  return g;
};

/** One chat send through `message:send`; records the ack. */
async function sendOne(s: Sock, timeoutMs: number, padTo = 0): Promise<void> {
  const tag = `${PROC}.${++sent}`;
  const t0 = performance.now();
  try {
    let body = `${marker(tag)} bench message`;
    // Baselines relay a payload as large as the product's pushed frame (padTo = its average size).
    if (padTo > body.length) body += ' '.repeat(padTo - body.length);
    const answer = await ask(s, 'message:send', { body, clientMessageId: `b${randomBytes(9).toString('hex')}` }, timeoutMs);
    if (answer?.ok) {
      ackLatencies.push(performance.now() - t0);
      const list = ackedByGroup.get(s.spec.group) ?? [];
      list.push(tag);
      ackedByGroup.set(s.spec.group, list);
    } else {
      const k = String(answer?.error?.code ?? 'unknown');
      sendErrors.set(k, (sendErrors.get(k) ?? 0) + 1);
    }
  } catch (err) {
    const k = (err as Error).message.slice(0, 60);
    sendErrors.set(k, (sendErrors.get(k) ?? 0) + 1);
  }
}

/** Wait until nothing marked has arrived for three seconds (the last pushes land), at most `maxMs`. */
async function quiet(maxMs: number): Promise<void> {
  const end = performance.now() + maxMs;
  let last = latencies.length;
  let stillFor = 0;
  while (performance.now() < end && stillFor < 3000) {
    await new Promise((r) => setTimeout(r, 250));
    stillFor = latencies.length === last ? stillFor + 250 : 0;
    last = latencies.length;
  }
}

/** Throughput: keep `window` sends in flight, round robin over the sockets, for `durationMs`. */
async function blast(c: Extract<Command, { cmd: 'blast' }>): Promise<void> {
  const live = sockets.filter((s) => s.open);
  const end = performance.now() + c.durationMs;
  let rr = 0;
  const lane = async () => {
    while (performance.now() < end && live.length) await sendOne(live[rr++ % live.length]!, c.settleMs, c.padTo);
  };
  await Promise.all(Array.from({ length: c.window }, lane));
  const stoppedAt = performance.now();
  await quiet(c.settleMs);
  post({ ev: 'blasted', sendMs: stoppedAt - (end - c.durationMs) });
}

/** Mixed: each user sends `perUserPerMinute` messages a minute at random phases, typing first. */
async function paced(c: Extract<Command, { cmd: 'paced' }>): Promise<void> {
  const live = sockets.filter((s) => s.open);
  const period = 60_000 / c.perUserPerMinute;
  const start = performance.now();
  const jobs: Promise<void>[] = [];
  for (const s of live) {
    jobs.push(
      (async () => {
        let at = Math.random() * period;
        while (at < c.durationMs) {
          const wait = start + at - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const target = { target: { kind: 'channel', id: s.spec.clientId } };
          if (c.typing) await ask(s, 'typing:start', target, c.settleMs).catch(() => undefined);
          await sendOne(s, c.settleMs, c.padTo);
          if (c.typing) await ask(s, 'typing:stop', target, c.settleMs).catch(() => undefined);
          at += period;
        }
      })(),
    );
  }
  await Promise.all(jobs);
  await quiet(c.settleMs);
  post({ ev: 'paced', sent });
}

function report(c: Extract<Command, { cmd: 'report' }>): void {
  const perSocket = sockets.map((s) => s.arrivals);
  if (c.faults) injectFaults(perSocket, c.faults);
  let tally: Tally = emptyTally();
  if (c.owed === 'tags') {
    const owed = new Set(c.tags ?? []);
    tally = addTallies(...perSocket.map((a) => accountSocket(owed, a)));
  } else {
    for (const [group, list] of groupSockets()) {
      const owed = new Set(ackedByGroup.get(group) ?? []);
      for (const s of list) tally = addTallies(tally, accountSocket(owed, s.arrivals));
    }
  }
  const acked = [...ackedByGroup.values()].reduce((n, l) => n + l.length, 0);
  post({
    ev: 'report',
    tally,
    sockets: sockets.filter((s) => s.open).length,
    latencies: c.keepLatencies === false ? [] : latencies,
    ackLatencies,
    acked,
    errors: Object.fromEntries(sendErrors),
    avgFrameBytes: frames ? Math.round(frameBytes / frames) : 0,
  });
}

function reset(): void {
  notifyAt = 0;
  for (const s of sockets) s.arrivals = [];
  latencies = [];
  ackLatencies = [];
  ackedByGroup.clear();
  sendErrors.clear();
  seenCount.clear();
  frameBytes = 0;
  frames = 0;
}

async function closeAll(timeoutMs: number): Promise<void> {
  const live = sockets.splice(0);
  for (const s of live) s.closing = true;
  for (const s of live) if (s.spec.cookie) lastPosByCookie.set(s.spec.cookie, s.lastPos);
  await Promise.race([
    Promise.all(
      live.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.ws.readyState === WebSocket.CLOSED) return resolve();
            s.ws.once('close', () => resolve());
            s.ws.close();
          }),
      ),
    ),
    new Promise((r) => setTimeout(r, timeoutMs)),
  ]);
  for (const s of live) s.ws.terminate();
  post({ ev: 'closed', n: live.length });
}

process.on('message', (m: Command) => {
  const run = async () => {
    switch (m.cmd) {
      case 'connect':
        return connectAll(m);
      case 'notify':
        notifyAt = m.count;
        seenCount.clear();
        return post({ ev: 'ok' });
      case 'blast':
        return blast(m);
      case 'paced':
        return paced(m);
      case 'report':
        return report(m);
      case 'reset':
        reset();
        return post({ ev: 'ok' });
      case 'drops':
        return drops(m.head);
      case 'close':
        return closeAll(m.timeoutMs);
      case 'exit':
        for (const s of sockets) s.ws.terminate();
        process.exit(0);
    }
  };
  run().catch((err) => post({ ev: 'error', message: String((err as Error)?.stack ?? err) }));
});

// Never outlive the harness: gone parent → exit; and a hard cap on lifetime.
process.on('disconnect', () => process.exit(0));
const maxLife = Number(process.env.BENCH_RECEIVER_MAX_LIFE_MS ?? 30 * 60_000);
setTimeout(() => process.exit(3), maxLife).unref();
post({ ev: 'ready' });
