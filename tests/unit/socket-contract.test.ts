import { describe, expect, it } from 'vitest';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { ClientToServerEvents, FeedEvent, ServerToClientEvents } from '../../server/contracts/socket.js';
import { FEED_EVENT_TYPES } from '../../server/contracts/realtime.js';
import type { AppServer, AppSocket } from '../../server/realtime/socket-types.js';

/**
 * The socket protocol is one typed map (issue 12, point 4): a misspelt event or a payload of the
 * wrong shape fails to compile, on the server and in the browser. Each `@ts-expect-error` below
 * is checked by `npm run check` (tsc over tests/): if the protocol stopped catching the mistake,
 * the directive itself would be the error and the check would fail.
 */

// Never called: these functions exist for the compiler only.
function serverSide(io: AppServer, socket: AppSocket, e: FeedEvent<'comment:created'>) {
  io.to('room').emit('comment:created', e);
  // @ts-expect-error misspelt event name
  io.to('room').emit('coment:created', e);
  // @ts-expect-error a chat payload under a comment event
  io.to('room').emit('message:created', e);
  // @ts-expect-error a notification push needs its unread count
  socket.emit('notification:created', { notification: { id: 1, kind: 'chat', text: '', link: '', createdAt: '', read: false } });
}

function browserSide(s: ClientSocket<ServerToClientEvents, ClientToServerEvents>) {
  s.on('comment:created', (e) => e.data.findingId.toUpperCase());
  // @ts-expect-error a finding summary has no body
  s.on('finding:updated', (e) => e.data.body);
  s.emit('typing:start', { target: { kind: 'finding', id: 'f1' } }, () => {});
  // @ts-expect-error a presence target kind that does not exist
  s.emit('typing:start', { target: { kind: 'project', id: 'p1' } }, () => {});
  // @ts-expect-error message:send needs a client message id
  s.emit('message:send', { body: 'hi' }, () => {});
  s.emit('feed:subscribe', { since: null }, (a) => (a.ok ? a.events.map((e) => e.position) : a.error.code));
}

describe('the socket protocol map', () => {
  it('names every feed event type, and the type-level checks above compile (npm run check)', () => {
    expect(typeof serverSide).toBe('function');
    expect(typeof browserSide).toBe('function');
    const pushed: Record<(typeof FEED_EVENT_TYPES)[number], true> = {
      'comment:created': true,
      'comment:updated': true,
      'comment:deleted': true,
      'message:created': true,
      'message:updated': true,
      'message:deleted': true,
      'finding:published': true,
      'finding:unpublished': true,
      'finding:updated': true,
      'report:published': true,
      'report:unpublished': true,
      'project:updated': true,
      'remediation:updated': true,
    };
    expect(Object.keys(pushed).sort()).toEqual([...FEED_EVENT_TYPES].sort());
  });
});
