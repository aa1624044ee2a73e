/**
 * The few pieces of the Engine.IO v4 / Socket.IO v5 text protocol a light receiver needs, spoken
 * directly over `ws` (no socket.io-client: at 10,000 sockets its per-socket machinery would eat
 * the cores the server is being measured on). Only the WebSocket transport, no binary frames.
 *   engine.io: '0' open (JSON handshake), '2' ping → reply '3', '4' message
 *   socket.io inside '4': '0' CONNECT, '2' EVENT, '3' ACK, '4' CONNECT_ERROR
 */

export const ENGINE_PATH = '/socket.io/?EIO=4&transport=websocket';

/** The CONNECT packet for the main namespace. */
export const CONNECT = '40';
/** The reply to a server ping. */
export const PONG = '3';

/** An EVENT packet, with an ack id when the sender wants an answer. */
export function eventFrame(event: string, payload: unknown, ackId?: number): string {
  return `42${ackId ?? ''}${JSON.stringify([event, payload])}`;
}

export type Incoming =
  | { kind: 'open' }
  | { kind: 'ping' }
  | { kind: 'connected' }
  | { kind: 'connect_error'; message: string }
  | { kind: 'event'; raw: string }
  | { kind: 'ack'; id: number; body: string }
  | { kind: 'close' }
  | { kind: 'other' };

/** Classify one text frame (events are left raw: the receiver scans them for its markers). */
export function classify(frame: string): Incoming {
  const e = frame.charCodeAt(0);
  if (e === 0x32) return { kind: 'ping' }; // '2'
  if (e === 0x30) return { kind: 'open' }; // '0'
  if (e === 0x31) return { kind: 'close' }; // '1'
  if (e !== 0x34) return { kind: 'other' }; // not '4' message
  const s = frame.charCodeAt(1);
  if (s === 0x32) return { kind: 'event', raw: frame }; // '42'
  if (s === 0x33) {
    // '43<id>[...]'
    let i = 2;
    while (i < frame.length && frame.charCodeAt(i) >= 0x30 && frame.charCodeAt(i) <= 0x39) i++;
    return { kind: 'ack', id: Number(frame.slice(2, i)), body: frame.slice(i) };
  }
  if (s === 0x30) return { kind: 'connected' };
  if (s === 0x34) {
    try {
      return { kind: 'connect_error', message: String((JSON.parse(frame.slice(2)) as { message?: string }).message) };
    } catch {
      return { kind: 'connect_error', message: frame.slice(2) };
    }
  }
  if (s === 0x31) return { kind: 'close' };
  return { kind: 'other' };
}

/**
 * The bench marker every measured payload carries: `BENCH-<tag>-<sent µs since epoch>-`. The tag
 * names the event (unique per send), the time is the sender's clock (same machine).
 */
export const MARKER = /BENCH-([A-Za-z0-9.]+)-(\d+)-/;

/** A marker for a send happening now. */
export function marker(tag: string, nowUs = nowMicros()): string {
  return `BENCH-${tag}-${Math.round(nowUs)}-`;
}

/** Wall-clock microseconds, high resolution, comparable between processes on one machine. */
export function nowMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

const POSITION = /"position":(\d+)/;

/** The first marker and the envelope's position in a frame (null when it carries no marker). */
export function scan(frame: string): { tag: string; sentUs: number; position: number } | null {
  const m = MARKER.exec(frame);
  if (!m) return null;
  const p = POSITION.exec(frame);
  return { tag: m[1]!, sentUs: Number(m[2]), position: p ? Number(p[1]) : -1 };
}
