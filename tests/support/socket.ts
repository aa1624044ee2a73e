import { io, type Socket } from 'socket.io-client';
import type { TestApp } from './app.js';
import type { Agent } from './http.js';

export interface ConnectOptions {
  /** Cookie header to present (defaults to the agent's). */
  cookie?: string | null;
  /** Origin header (defaults to PUBLIC_URL, as our own pages send). */
  origin?: string;
  /** Source address on the loopback range (IP allowlist tests). */
  localAddress?: string;
}

/** A real socket.io client (WebSocket transport) carrying a session cookie, like a browser tab. */
export function connectSocket(app: TestApp, agent: Agent | null, opts: ConnectOptions = {}): Socket {
  const cookie = opts.cookie === undefined ? agent?.cookie : opts.cookie;
  const headers: Record<string, string> = { origin: opts.origin ?? app.url };
  if (cookie) headers.cookie = cookie;
  return io(app.url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: headers,
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
  } as Parameters<typeof io>[1]);
}

/** Resolve when connected; reject with the server's refusal (connect_error) otherwise. */
export function connected(socket: Socket, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
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
