import WebSocket from 'ws';
import { classify, CONNECT, ENGINE_PATH, eventFrame, PONG } from './wire.js';

/**
 * One Socket.IO connection in the bench process (the light wire client of wire.ts over `ws`),
 * enough to time `feed:subscribe` answers: the catch-up a page asks for when it comes back.
 */
export class FeedClient {
  private nextAck = 1;
  private readonly acks = new Map<number, (frame: string) => void>();

  private constructor(private readonly ws: WebSocket) {}

  /** Connect as the holder of `cookie`; resolves once the Socket.IO namespace is joined. */
  static connect(url: string, cookie: string, timeoutMs = 20_000): Promise<FeedClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${ENGINE_PATH}`, { headers: { origin: url, cookie }, perMessageDeflate: false });
      const client = new FeedClient(ws);
      const timer = setTimeout(() => fail(new Error('connect timeout')), timeoutMs);
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        reject(err);
      };
      ws.on('error', fail);
      ws.on('close', () => fail(new Error('closed during connect')));
      ws.on('message', (buf, binary) => {
        if (binary) return;
        const frame = buf.toString();
        const m = classify(frame);
        if (m.kind === 'ping') ws.send(PONG);
        else if (m.kind === 'open') ws.send(CONNECT);
        else if (m.kind === 'connect_error') fail(new Error(`connect refused: ${m.message}`));
        else if (m.kind === 'ack') {
          const cb = client.acks.get(m.id);
          client.acks.delete(m.id);
          cb?.(frame);
        } else if (m.kind === 'connected' && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve(client);
        }
      });
    });
  }

  /**
   * `feed:subscribe {since}`; resolves with the time to the answer, its size and how many events
   * it carried (throws when refused or told to resync).
   */
  subscribe(since: number, timeoutMs = 120_000): Promise<{ bytes: number; events: number; ms: number }> {
    return new Promise((resolve, reject) => {
      const id = this.nextAck++;
      const sent = performance.now();
      const t = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`feed:subscribe: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(id, (frame) => {
        clearTimeout(t);
        // Timed to the answer's arrival; it is only scanned, not parsed (the bench shares the server's cores).
        const ms = performance.now() - sent;
        const at = frame.indexOf('[');
        if (!frame.startsWith('[{"ok":true', at)) return reject(new Error(`feed:subscribe refused: ${frame.slice(at, at + 160)}`));
        if (frame.includes('"resync":true')) return reject(new Error('feed:subscribe answered resync'));
        // Each event is `{"position":…` (the answer's own position follows `"ok":true,`).
        const events = frame.split('{"position":').length - 1;
        resolve({ bytes: Buffer.byteLength(frame), events, ms });
      });
      this.ws.send(eventFrame('feed:subscribe', { since }, id));
    });
  }

  close(): void {
    this.ws.close();
  }
}
