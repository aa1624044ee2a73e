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
   * A whole catch-up: `feed:subscribe {since}`, then `feed:catchup` for each further part. Resolves
   * with the time to the last part, the largest part's size, how many events and parts there were
   * (throws when refused or told to resync).
   */
  async subscribe(since: number, timeoutMs = 120_000): Promise<{ bytes: number; events: number; parts: number; ms: number }> {
    const sent = performance.now();
    let frame = await this.ask('feed:subscribe', { since }, timeoutMs);
    const until = Number(/"position":(\d+),"events"/.exec(frame)?.[1]);
    let bytes = 0;
    let events = 0;
    let parts = 0;
    for (;;) {
      // Scanned, not parsed (the bench shares the server's cores). Each event is `{"position":…`
      // (the subscribe answer's own position follows `"ok":true,`).
      bytes = Math.max(bytes, Buffer.byteLength(frame));
      events += frame.split('{"position":').length - 1;
      parts++;
      const next = /"next":(\d+)\}\]$/.exec(frame);
      if (!next) break;
      frame = await this.ask('feed:catchup', { after: Number(next[1]), until }, timeoutMs);
    }
    return { bytes, events, parts, ms: performance.now() - sent };
  }

  /** One request; resolves with the ack frame's payload (throws when refused or told to resync). */
  ask(event: string, payload: unknown, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const id = this.nextAck++;
      const t = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`${event}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(id, (frame) => {
        clearTimeout(t);
        const body = frame.slice(frame.indexOf('['));
        if (!body.startsWith('[{"ok":true')) return reject(new Error(`${event} refused: ${body.slice(0, 160)}`));
        if (body.includes('"resync":true')) return reject(new Error(`${event} answered resync`));
        resolve(body);
      });
      this.ws.send(eventFrame(event, payload, id));
    });
  }

  close(): void {
    this.ws.close();
  }
}
