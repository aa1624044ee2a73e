import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, buildProject } from '../support/workspace.js';
import { insertCommentRow } from '../support/comments.js';
import { appWithSockets, ask, connectSocket, connected, feedSocket, logEvents } from '../support/socket.js';
import { latestPosition } from '../../server/events/log.js';
import { CATCHUP_PART_BYTES, CATCHUP_PART_ROWS, partOf } from '../../server/realtime/feed.js';
import type { AnyFeedEvent } from '../../server/contracts/socket.js';

/**
 * A long catch-up comes in parts (issue 19: one 1,000-event answer was ~570 KB): `feed:subscribe`
 * answers the first part and where the next starts, `feed:catchup` each further part up to the
 * subscribe answer's position. Every event arrives once and in order across the parts, each part
 * stays small, and a part is read with the socket's own scope — never one the request names.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

describe('a catch-up in parts', () => {
  it('1,000 missed events: every one once and in order, in parts of at most CATCHUP_PART_ROWS, only the own client’s', async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const pa = await buildProject(app.db, { client_id: a.id });
    const pb = await buildProject(app.db, { client_id: b.id });
    await app.server.drain();
    const since = await latestPosition(app.db);
    // Interleaved: A's and B's events alternate in the log.
    for (let i = 0; i < 4; i++) {
      await logEvents(app, a.id, pa.id, 250);
      await logEvents(app, b.id, pb.id, 100);
    }
    const viewer = await signIn(app, await buildPortalUser(app.db, { client_id: a.id }));
    const back = await feedSocket(app, viewer, since);
    open.push(back.socket);
    expect(back.answer.resync).toBe(false);
    const events = back.answer.events as AnyFeedEvent[];
    expect(events).toHaveLength(1000);
    expect(events.every((e) => e.type === 'project:updated' && (e.data as { id: string }).id === pa.id)).toBe(true);
    const positions = events.map((e) => e.position);
    expect(new Set(positions).size).toBe(1000);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    expect(positions.at(-1)).toBeLessThanOrEqual(back.position);
    expect(back.parts).toBeGreaterThanOrEqual(1000 / CATCHUP_PART_ROWS);

    // Staff see both clients' events: 1,400, in more parts.
    const staff = await feedSocket(app, await signIn(app, await buildStaff(app.db)), since);
    open.push(staff.socket);
    expect(staff.answer.events).toHaveLength(1400);
    expect(staff.parts).toBeGreaterThanOrEqual(Math.ceil(1400 / CATCHUP_PART_ROWS));
  });

  it('each part is small: no answer over 256 KB while 1,000 large events are caught up', async () => {
    const c = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: c.id, published: true });
    const author = await buildStaff(app.db);
    // A long comment: each presented event carries its text and its HTML, ~4 KB.
    const commentId = await insertCommentRow(app.db, finding, author, { body: 'word '.repeat(400) });
    await app.server.drain();
    const since = await latestPosition(app.db);
    await logEvents(app, c.id, commentId, 1000, 'comment:updated', JSON.stringify({ findingId: finding.id }));
    const socket = connectSocket(app, await signIn(app, author));
    open.push(socket);
    await connected(socket);
    let part = await ask(socket, 'feed:subscribe', { since });
    const until = part.position;
    const sizes: number[] = [];
    let count = 0;
    for (;;) {
      sizes.push(Buffer.byteLength(JSON.stringify(part)));
      count += part.events.length;
      if (part.next === null) break;
      part = await ask(socket, 'feed:catchup', { after: part.next, until });
      expect(part.ok).toBe(true);
    }
    expect(count).toBe(1000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256 * 1024);
    expect(sizes.length).toBeGreaterThan(1);
  });

  it('refuses bad input, a part before subscribing and a part past the feed position; answers resync below the pruned floor', async () => {
    const staff = await signIn(app, await buildStaff(app.db));
    const fresh = connectSocket(app, staff);
    open.push(fresh);
    await connected(fresh);
    expect(await ask(fresh, 'feed:catchup', { after: 0, until: 1 })).toMatchObject({ ok: false, error: { code: 'conflict' } });

    const s = await feedSocket(app, staff);
    open.push(s.socket);
    const mark = s.position;
    for (const bad of [{ after: 5, until: 5 }, { after: -1, until: 3 }, { after: 'x', until: 3 }, { after: 1 }, { after: 1, until: 2, clientId: 'x' }])
      expect(await ask(s.socket, 'feed:catchup', bad), JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await ask(s.socket, 'feed:catchup', { after: 0, until: mark + 1 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    await app.db.updateTable('firm').set({ event_floor: mark }).execute();
    expect(await ask(s.socket, 'feed:catchup', { after: Math.max(0, mark - 1), until: mark })).toEqual({ ok: true, events: [], resync: true, next: null });
    await app.db.updateTable('firm').set({ event_floor: 0 }).execute();
  });

  it('a signed-out session gets no further part: its socket is closed at once', async () => {
    const c = await buildClient(app.db);
    const p = await buildProject(app.db, { client_id: c.id });
    await app.server.drain();
    const since = await latestPosition(app.db);
    await logEvents(app, c.id, p.id, 600);
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: c.id }));
    const socket = connectSocket(app, agent);
    open.push(socket);
    await connected(socket);
    const first = await ask(socket, 'feed:subscribe', { since });
    expect(first.next).not.toBeNull();
    const closed = new Promise((r) => socket.once('disconnect', r));
    expect((await agent.post('/api/auth/logout')).status).toBe(200);
    // Signing out ends the session's sockets at once; a part asked for after that never arrives.
    await closed;
    await expect(ask(socket, 'feed:catchup', { after: first.next, until: first.position }, 500)).rejects.toThrow();
  });

  it("a portal user's part never holds another client's events, whatever range is asked", async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const pb = await buildProject(app.db, { client_id: b.id });
    await app.server.drain();
    const since = await latestPosition(app.db);
    await logEvents(app, b.id, pb.id, 300);
    const s = await feedSocket(app, await signIn(app, await buildPortalUser(app.db, { client_id: a.id })), since);
    open.push(s.socket);
    expect(s.answer.events).toEqual([]);
    const part = await ask(s.socket, 'feed:catchup', { after: since, until: s.position });
    expect(part).toEqual({ ok: true, events: [], resync: false, next: null });
  });
});

describe('partOf (one part of a catch-up)', () => {
  const ev = (position: number, size: number) => ({ position, type: 'project:updated', data: { text: 'x'.repeat(size) } }) as unknown as AnyFeedEvent;
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ position: 1 + i }));
  /** The presenter giving row i (position i + 1) the i-th of these. */
  const listed = (events: (AnyFeedEvent | null)[]) => (r: { position: number }) => events[r.position - 1] ?? null;

  it('takes every row while small, and says where the next part starts only when rows may remain', () => {
    expect(partOf(rows(3), listed([ev(1, 10), null, ev(3, 10)]), 100)).toEqual({ events: [ev(1, 10), ev(3, 10)], next: null });
    const full = rows(CATCHUP_PART_ROWS);
    const part = partOf(full, listed(full.map((r) => ev(r.position, 10))), 10_000);
    expect([part.events.length, part.next]).toEqual([CATCHUP_PART_ROWS, CATCHUP_PART_ROWS]);
    // A full read that reaches the mark: nothing remains.
    expect(partOf(full, listed(full.map((r) => ev(r.position, 10))), CATCHUP_PART_ROWS).next).toBeNull();
    // Rows this audience may not see still move the next part on.
    expect(partOf(full, listed(full.map(() => null)), 10_000)).toEqual({ events: [], next: CATCHUP_PART_ROWS });
    expect(partOf([], listed([]), 5)).toEqual({ events: [], next: null });
  });

  it('stops before the byte limit (after the last row it took), but always takes one event', () => {
    const big = CATCHUP_PART_BYTES / 2; // two of them are over the limit
    const part = partOf(rows(4), listed([ev(1, big), ev(2, big), ev(3, big), ev(4, 10)]), 100);
    expect(part.events.map((e) => e.position)).toEqual([1]);
    expect(part.next).toBe(1);
    const huge = partOf(rows(2), listed([ev(1, CATCHUP_PART_BYTES * 2), ev(2, 10)]), 100);
    expect([huge.events.length, huge.next]).toEqual([1, 1]);
  });

  it("presents the rows only as far as the part goes (the rest are the next part's)", () => {
    const big = CATCHUP_PART_BYTES / 2;
    const asked: number[] = [];
    const events = [ev(1, 10), ev(2, big), ev(3, big), ev(4, 10), ev(5, 10)];
    const part = partOf(
      rows(5),
      (r) => {
        asked.push(r.position);
        return listed(events)(r);
      },
      100,
    );
    expect([part.events.map((e) => e.position), part.next]).toEqual([[1, 2], 2]);
    // Row 3 is presented to find it does not fit; rows 4 and 5 are not presented at all.
    expect(asked).toEqual([1, 2, 3]);
  });
});
