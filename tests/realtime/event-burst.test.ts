import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { cmid } from '../support/chat.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { appWithSockets, feedSocket, recordAll, until } from '../support/socket.js';

/**
 * A burst of concurrent writes (issue 13, "Burst"): 3 clients × 200 chat messages sent over HTTP
 * at once, on a pool of 10 connections on PostgreSQL (one connection on SQLite). Every staff
 * socket receives exactly the event log's positions, increasing, without a gap or a duplicate;
 * catch-up from a random position equals the rest of the log; the unread counts are right.
 */
let app: TestApp;
const open = appWithSockets((a) => void (app = a), { DATABASE_POOL_SIZE: '10', MESSAGE_BURST: '1000', MESSAGE_RATE_PER_MINUTE: '100000' });

const PER_CLIENT = 200;

describe('a burst of concurrent writes', () => {
  it('3 × 200 chat messages at once: every staff socket gets the log, in order, once; catch-up from anywhere equals the rest; unread counts right', async () => {
    const clients = await Promise.all([0, 1, 2].map(() => buildClient(app.db)));
    const ids = clients.map((c) => c.id);
    const senders = await Promise.all(clients.map(async (c) => signIn(app, await buildPortalUser(app.db, { client_id: c.id, role: 'collaborator' }))));
    const staff = await Promise.all([0, 1].map(async () => signIn(app, await buildStaff(app.db, { role: 'admin' }))));
    const sockets = await Promise.all(staff.map((agent) => feedSocket(app, agent)));
    open.push(...sockets.map((s) => s.socket));
    const start = Math.max(...sockets.map((s) => s.position));
    const recorders = sockets.map((s) => recordAll(s.socket));

    const answers = await Promise.all(
      clients.flatMap((c, i) =>
        Array.from({ length: PER_CLIENT }, (_, n) => senders[i]!.post(`/api/chat/${c.id}/messages`, { body: `burst ${n}`, clientMessageId: cmid() })),
      ),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 201)).toEqual([]);

    const log = (
      await app.db.selectFrom('client_events').select('position').where('client_id', 'in', ids).where('position', '>', start).orderBy('position').execute()
    ).map((r) => r.position);
    expect(log.length).toBeGreaterThanOrEqual(3 * PER_CLIENT);
    // Dense: positions of the whole log are consecutive, whoever wrote them.
    const all = (await app.db.selectFrom('client_events').select('position').where('position', '>', start).orderBy('position').execute()).map(
      (r) => r.position,
    );
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => start + 1 + i));

    for (const rec of recorders) {
      const ours = () =>
        rec.events.map(([, e]) => e as { position?: number; clientId?: string }).filter((e) => typeof e.position === 'number' && ids.includes(e.clientId!));
      await until(() => ours().length >= log.length, `${log.length} events on a staff socket`, 20_000);
      expect(ours().map((e) => e.position)).toEqual(log);
    }

    // Catch-up from random places in the burst: exactly the rest of the log.
    for (const since of [start, log[Math.floor(log.length / 3)]!, log[log.length - 7]!]) {
      const { socket, answer } = await feedSocket(app, staff[0]!, since);
      open.push(socket);
      const caught = (answer.events as { position: number; clientId: string }[]).filter((e) => ids.includes(e.clientId)).map((e) => e.position);
      expect(caught).toEqual(log.filter((p) => p > since));
    }

    // Each channel holds its 200, and shows them unread to the staff (counted up to 100).
    const channels = (await staff[1]!.get('/api/chat/channels')).body.channels as { clientId: string; unread: number }[];
    for (const id of ids) expect(channels.find((c) => c.clientId === id)?.unread).toBe(100);
    for (const id of ids) {
      const n = await app.db
        .selectFrom('chat_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('client_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(n.n).toBe(PER_CLIENT);
    }
  }, 60_000);
});
