import { createServer, type Server as HttpServer } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Server, type Socket } from 'socket.io';
import type { AnyFeedEvent } from '../../server/contracts/socket.js';
import { freePort } from '../support/app.js';

/**
 * The browser's live connection (`client/lib/realtime/live.svelte.ts`) on its own, against a real
 * Socket.IO server whose answers the test scripts (issue 12, point 8): catch-up ordering with the
 * live events that arrive meanwhile held back, each event applied once, the position it resumes
 * from, a resync, and the outbox that keeps sends made while offline and sends them in order.
 */

// The browser globals Live reads (Node has no `navigator` or window event target).
beforeAll(() => {
  const g = globalThis as Record<string, unknown>;
  g.navigator ??= { onLine: true };
  g.addEventListener ??= () => {};
  g.removeEventListener ??= () => {};
});

const { Live } = await import('../../client/lib/realtime/live.svelte.js');

let http: HttpServer | null = null;
let io: Server | null = null;
const lives: InstanceType<typeof Live>[] = [];

async function serve(port: number, onConnection: (s: Socket) => void): Promise<void> {
  http = createServer();
  io = new Server(http, { path: '/socket.io' });
  io.on('connection', onConnection);
  await new Promise<void>((r) => http!.listen(port, '127.0.0.1', r));
}
function connect(port: number) {
  const live = new Live();
  lives.push(live);
  live.start(`http://127.0.0.1:${port}`);
  return live;
}

afterEach(async () => {
  for (const l of lives.splice(0)) l.stop();
  await new Promise<void>((r) => (io ? io.close(() => r()) : r()));
  io = null;
  http = null;
});

/** A live connection to a server whose feed stands at `position` (nothing to catch up), and that server's socket. */
async function liveAt(position: number) {
  const port = await freePort();
  let socket: Socket | null = null;
  await serve(port, (s) => {
    socket = s;
    s.on('feed:subscribe', (_i: unknown, ack: (a: unknown) => void) => ack({ ok: true, position, events: [], resync: false, next: null }));
  });
  const live = connect(port);
  await until(() => live.state === 'live');
  return { live, socket: socket! as Socket };
}

const ev = (position: number): AnyFeedEvent => ({
  position,
  clientId: 'c1',
  type: 'finding:unpublished',
  at: new Date(0).toISOString(),
  data: { id: `f${position}` },
});
const until = async (check: () => boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('Live', () => {
  it('applies the catch-up answer, then the live events held meanwhile, each once and in order; then resumes from the last position', async () => {
    const port = await freePort();
    const subscribes: unknown[] = [];
    await serve(port, (s) => {
      s.on('feed:subscribe', (input: { since: number | null }, ack: (a: unknown) => void) => {
        subscribes.push(input.since);
        if (subscribes.length === 1) {
          // Live events that overtake the answer: 4 is new, 2 is also in the answer.
          s.emit('finding:unpublished', ev(4));
          s.emit('finding:unpublished', ev(2));
          setTimeout(() => {
            ack({ ok: true, position: 3, events: [ev(1), ev(2), ev(3)], resync: false });
            s.emit('finding:unpublished', ev(5));
            s.emit('finding:unpublished', ev(3)); // an old one again: ignored
          }, 100);
        } else ack({ ok: true, position: 6, events: [ev(6)], resync: false });
      });
    });
    const live = connect(port);
    const got: number[] = [];
    live.on('finding:unpublished', (e) => got.push(e.position));
    await until(() => got.length >= 5);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(live.state).toBe('live');

    // The connection drops; the reconnect asks only for what came after 5.
    for (const s of io!.of('/').sockets.values()) s.conn.close();
    await until(() => got.length >= 6);
    expect(subscribes).toEqual([null, 5]);
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads a long gap part by part, holding live events until the last part; a drop midway resumes after the last event applied', async () => {
    const port = await freePort();
    const subscribes: unknown[] = [];
    const catchups: unknown[] = [];
    let dropped = false;
    await serve(port, (s) => {
      s.on('feed:subscribe', (input: { since: number | null }, ack: (a: unknown) => void) => {
        subscribes.push(input.since);
        if (input.since === null) return ack({ ok: true, position: 0, events: [], resync: false, next: null });
        if (subscribes.length === 2) {
          s.emit('finding:unpublished', ev(8)); // live, overtakes the parts: held until they are in
          return ack({ ok: true, position: 7, events: [ev(1), ev(2)], resync: false, next: 2 });
        }
        ack({ ok: true, position: 7, events: [ev(5), ev(6)], resync: false, next: 6 });
      });
      s.on('feed:catchup', (input: { after: number; until: number }, ack: (a: unknown) => void) => {
        catchups.push([input.after, input.until]);
        if (input.after === 2) return ack({ ok: true, events: [ev(3), ev(4)], resync: false, next: 4 });
        if (input.after === 4 && !dropped) {
          dropped = true;
          return s.conn.close(); // the connection drops before this part arrives
        }
        ack({ ok: true, events: [ev(7)], resync: false, next: null });
      });
      if (subscribes.length === 0) setTimeout(() => s.conn.close(), 50); // the first connection: drop, come back with position 0
    });
    const live = connect(port);
    const got: number[] = [];
    live.on('finding:unpublished', (e) => got.push(e.position));
    await until(() => got.includes(7));
    await new Promise((r) => setTimeout(r, 100));
    // 1–4 from the first pass, then (after the drop) 5–7 from a subscribe that resumed after 4.
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(subscribes).toEqual([null, 0, 4]);
    expect(catchups).toEqual([
      [2, 7],
      [4, 7],
      [6, 7],
    ]);
    expect(live.state).toBe('live');
  });

  it('a fresh page subscribes from where its data was read (the lowest position of its answers), not from the feed’s position now', async () => {
    const port = await freePort();
    const subscribes: unknown[] = [];
    await serve(port, (s) =>
      s.on('feed:subscribe', (input: { since: number | null }, ack: (a: unknown) => void) => {
        subscribes.push(input.since);
        // The feed is at 9 now; 8 and 9 were committed after the page's reads at 7.
        ack({ ok: true, position: 9, events: input.since === 7 ? [ev(8), ev(9)] : [], resync: false, next: null });
      }),
    );
    const live = new Live();
    lives.push(live);
    live.sawRead(9);
    live.sawRead(7);
    live.sawRead(Number.NaN); // a malformed header is ignored
    const got: number[] = [];
    live.on('finding:unpublished', (e) => got.push(e.position));
    live.start(`http://127.0.0.1:${port}`);
    await until(() => live.state === 'live');
    expect(subscribes).toEqual([7]);
    expect(got).toEqual([8, 9]);
  });

  it('a listener that starts after its data arrived gets the events delivered since that data was read, once and in order', async () => {
    const { live, socket } = await liveAt(3);
    const early: number[] = [];
    live.on('finding:unpublished', (e) => early.push(e.position));
    for (const p of [4, 5, 6]) socket.emit('finding:unpublished', ev(p));
    socket.emit('finding:updated', { ...ev(7), type: 'finding:updated' });
    await until(() => early.length === 3);

    // A page's read began at 4 (its answer arrives now), then the page starts listening.
    live.sawRead(4);
    const late: number[] = [];
    const updates: number[] = [];
    live.on('finding:unpublished', (e) => late.push(e.position));
    live.on('finding:updated', (e) => updates.push(e.position));
    const stopped: number[] = [];
    live.on('finding:unpublished', (e) => stopped.push(e.position))(); // stops before the replay: gets nothing
    await Promise.resolve();
    expect(late).toEqual([5, 6]);
    expect(updates).toEqual([7]);
    expect(early).toEqual([4, 5, 6]); // the listener that was there already is not given them again

    socket.emit('finding:unpublished', ev(8));
    await until(() => late.length === 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(late).toEqual([5, 6, 8]);
    expect(early).toEqual([4, 5, 6, 8]);
    expect(stopped).toEqual([]);
  });

  it('a listener whose missed events are no longer kept makes the pages reload instead', async () => {
    const { live, socket } = await liveAt(0);
    let resyncs = 0;
    live.onResync(() => resyncs++);
    let seen = 0;
    live.on('finding:updated', () => seen++);
    for (let p = 1; p <= 1005; p++) socket.emit('finding:updated', { ...ev(p), type: 'finding:updated' });
    await until(() => seen === 1005);
    live.sawRead(2);
    const got: number[] = [];
    live.on('finding:updated', (e) => got.push(e.position));
    await Promise.resolve();
    expect(resyncs).toBe(1);
    expect(got).toEqual([]);
  });

  it('a gap the server can no longer fill calls the resync listeners instead of applying anything', async () => {
    const port = await freePort();
    await serve(port, (s) => s.on('feed:subscribe', (_i: unknown, ack: (a: unknown) => void) => ack({ ok: true, position: 40, events: [], resync: true })));
    const live = connect(port);
    let resyncs = 0;
    live.onResync(() => resyncs++);
    await until(() => resyncs === 1 && live.state === 'live');
  });

  it('sends made while offline wait in the outbox and go out once, in order, when the connection is back', async () => {
    const port = await freePort();
    const live = connect(port); // nothing listens yet
    const first = live.send('typing:start', { target: { kind: 'finding', id: 'f1' } });
    const second = live.send('typing:stop', { target: { kind: 'finding', id: 'f1' } });
    expect(live.queued).toBe(2);
    const request = await live.request('presence:join', { target: { kind: 'finding', id: 'f1' } });
    expect(request).toEqual({ ok: false, error: { code: 'unavailable', message: 'You are offline.' } });

    const seen: string[] = [];
    await serve(port, (s) => {
      s.on('feed:subscribe', (_i: unknown, ack: (a: unknown) => void) => ack({ ok: true, position: 0, events: [], resync: false }));
      for (const name of ['typing:start', 'typing:stop'] as const) s.on(name, (_i: unknown, ack: (a: unknown) => void) => (seen.push(name), ack({ ok: true })));
    });
    expect(await first).toEqual({ ok: true });
    expect(await second).toEqual({ ok: true });
    expect(seen).toEqual(['typing:start', 'typing:stop']);
    expect(live.queued).toBe(0);
  }, 20_000);
});
