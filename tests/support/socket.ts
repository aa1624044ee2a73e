import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp } from './app.js';
import type { Agent } from './http.js';

export interface ConnectOptions {
  /** Cookie header to present (defaults to the agent's). */
  cookie?: string | null;
  /** Origin header (defaults to PUBLIC_URL, as our own pages send). */
  origin?: string;
  /** Source address on the loopback range (IP allowlist tests). */
  localAddress?: string;
  /** More handshake headers (e.g. X-Forwarded-For for the TRUST_PROXY tests). */
  headers?: Record<string, string>;
  /** Engine.IO transports (default: WebSocket only). */
  transports?: ('websocket' | 'polling')[];
  /** The CA to check an https server's certificate against (tests behind a TLS proxy). */
  ca?: Buffer;
}

/** A real socket.io client (WebSocket transport unless said) carrying a session cookie, like a browser tab. */
export function connectSocket(app: TestApp, agent: Agent | null, opts: ConnectOptions = {}): Socket {
  const cookie = opts.cookie === undefined ? agent?.cookie : opts.cookie;
  const headers: Record<string, string> = { ...opts.headers, origin: opts.origin ?? app.url };
  if (cookie) headers.cookie = cookie;
  return io(app.url, {
    path: '/socket.io',
    transports: opts.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: headers,
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    ...(opts.ca ? { ca: opts.ca } : {}),
  } as Parameters<typeof io>[1]);
}

/** Resolve when connected (at once if it already is); reject with the server's refusal (connect_error) otherwise. */
export function connected(socket: Socket, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve(socket); // it may have connected while the test did something else
    const t = setTimeout(() => reject(new Error('socket did not connect in time')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(t);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(t);
      reject(err);
    });
  });
}

/** Resolve with the reason when the server disconnects the socket. */
export function disconnected(socket: Socket, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!socket.connected) return resolve('already disconnected');
    const t = setTimeout(() => reject(new Error('socket was not disconnected in time')), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(t);
      resolve(reason);
    });
  });
}

/** Emit with an acknowledgement and resolve with the server's answer (fails after `timeoutMs`). */
export async function ask<T = any>(socket: Socket, event: string, payload: unknown, timeoutMs = 5000): Promise<T> {
  return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as T;
}

/** Everything a socket receives, in order, as [event, payload] (for "what arrived / what must not"). */
export function recordAll(socket: Socket): { events: [string, any][]; ofType(type: string): any[] } {
  const events: [string, any][] = [];
  socket.onAny((event: string, payload: unknown) => events.push([event, payload]));
  return { events, ofType: (type) => events.filter(([e]) => e === type).map(([, p]) => p) };
}

/**
 * A connected socket subscribed to its feed (since = last position seen, or null) as the browser does it: `feed:subscribe`, then `feed:catchup`
 * for each further part of a long gap. `answer` is the subscribe answer with every part's events;
 * `parts` how many answers it took.
 */
export async function feedSocket(
  app: TestApp,
  agent: Agent,
  since: number | null = null,
  opts: ConnectOptions = {},
): Promise<{ socket: Socket; position: number; answer: any; parts: number; live: ReturnType<typeof recordAll> }> {
  const socket = connectSocket(app, agent, opts);
  // Everything pushed from the subscription on (a live event may arrive in the same read as the answer).
  const live = recordAll(socket);
  await connected(socket);
  const answer = await ask(socket, 'feed:subscribe', { since });
  if (!answer.ok) throw new Error(`feed:subscribe refused: ${JSON.stringify(answer.error)}`);
  let parts = 1;
  for (let part = answer; part.next !== null; parts++) {
    part = await ask(socket, 'feed:catchup', { after: part.next, until: answer.position });
    if (!part.ok) throw new Error(`feed:catchup refused: ${JSON.stringify(part.error)}`);
    if (part.resync) throw new Error('feed:catchup answered resync');
    answer.events.push(...part.events);
  }
  answer.next = null;
  return { socket, position: answer.position, answer, parts, live };
}

/** Wait until `check()` is true (polling), or fail with `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The app of one realtime test file: started before its tests (with `env`) and handed to
 * `started`, which may also build the file's fixtures; after the tests, every socket kept in the
 * returned list is closed, then the app.
 */
export function appWithSockets(started: (app: TestApp) => void | Promise<void>, env: Record<string, string> = {}): Socket[] {
  let app: TestApp | undefined;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    app = await startTestApp(env);
    await started(app);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await app?.close();
  });
  return sockets;
}

/**
 * `n` events of a client about one entity (`project:updated` unless said), written straight to
 * the log in bulk as commands would have logged them, then pushed; resolves once the feed has.
 */
export async function logEvents(app: TestApp, clientId: string, entityId: string, n: number, type = 'project:updated', data = '{}'): Promise<void> {
  const rows = Array.from({ length: n }, () => ({ client_id: clientId, type, audience: 'all' as const, entity_id: entityId, data, at: app.clock() }));
  for (let i = 0; i < rows.length; i += 500)
    await app.db
      .insertInto('client_events')
      .values(rows.slice(i, i + 500))
      .execute();
  app.deps.bus.publish('events.appended', {});
  await new Promise((r) => setTimeout(r, 10));
  await app.server.drain();
}
