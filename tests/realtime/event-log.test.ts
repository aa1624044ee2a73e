import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, signIn } from '../support/factories.js';
import { cmid } from '../support/chat.js';
import { appWithSockets, ask, connected, connectSocket } from '../support/socket.js';

/**
 * At the debug level each answered socket event is logged as HTTP logs each request: one
 * `socket event` line with its name, outcome, who, and the milliseconds from its arrival to its
 * answer (what the bench reads as the server's time). Never the payload. Off at the default level.
 */

async function portalSocket(app: TestApp, open: Socket[]) {
  const client = await buildClient(app.db);
  const user = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
  const socket = connectSocket(app, await signIn(app, user));
  open.push(socket);
  await connected(socket);
  return { user, socket };
}

const eventLines = (app: TestApp) => app.logs.filter((l) => l.msg === 'socket event');

describe('socket event lines at the debug level', () => {
  let app: TestApp;
  const open = appWithSockets((a) => void (app = a), { LOG_LEVEL: 'debug' });

  it('an answered event: its name, ok, who and its time; a refused one: its error code; never what was sent', async () => {
    const { user, socket } = await portalSocket(app, open);
    const secret = `body-${cmid()}`;
    expect((await ask(socket, 'message:send', { body: secret, clientMessageId: cmid() })).ok).toBe(true);
    expect((await ask(socket, 'message:send', { body: '', clientMessageId: cmid() })).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    const lines = eventLines(app).filter((l) => l.userId === user.id && l.event === 'message:send');
    expect(lines).toEqual([
      { level: 'debug', time: expect.any(String), event: 'message:send', outcome: 'ok', ms: expect.any(Number), userId: user.id, msg: 'socket event' },
      expect.objectContaining({ event: 'message:send', outcome: 'validation_failed', userId: user.id }),
    ]);
    for (const l of lines) expect(l.ms as number).toBeGreaterThanOrEqual(0);
    expect(app.rawLogs.some((l) => l.includes(secret))).toBe(false);
  });
});

describe('socket event lines at the default level', () => {
  let app: TestApp;
  const open = appWithSockets((a) => void (app = a));

  it('are not written', async () => {
    const { socket } = await portalSocket(app, open);
    expect((await ask(socket, 'message:send', { body: 'hello', clientMessageId: cmid() })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(eventLines(app)).toEqual([]);
  });
});
