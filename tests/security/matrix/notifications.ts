import type { TestApp } from '../../support/app.js';
import { make, signedIn, type Ctx, type MatrixEntry, type Owner } from './shapes.js';

/**
 * The authorization matrix for the notifications routes (joined with the core table by the runner).
 * Notifications belong to one person, not to a client: for the routes naming one, "client A's
 * resource" is a notification of the actor themselves and "client B's" one of somebody else
 * (client B's Manager, or client A's Manager when the actor is B's Manager). Someone else's is
 * 404, the same answer as a made-up id.
 */

/** A notification of the actor (owner A) or of someone else (owner B). */
async function notificationFor(c: Omit<Ctx, 'extra'>, app: TestApp): Promise<Record<string, string>> {
  const someoneElse = c.actor?.id === c.f.B.manager.id ? c.f.A.manager : c.f.B.manager;
  const userId = c.owner === 'A' && c.actor ? c.actor.id : someoneElse.id;
  const row = await app.db
    .insertInto('notifications')
    .values({
      user_id: userId,
      client_id: null,
      kind: 'mention',
      actor_id: null,
      finding_id: null,
      text: 'Matrix',
      link: '/account',
      created_at: Date.now(),
      read_at: null,
      emailed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { notificationId: String(row.id) };
}

/** Own: every signed-in person; someone else's: 404 for everyone signed in. */
const ownOnly = (o: Owner) => (o === 'A' ? signedIn()() : make(404, { anonymous: 401 }));

export const NOTIFICATIONS_MATRIX: MatrixEntry[] = [
  { method: 'GET', path: '/api/notifications', query: () => ({ limit: '10' }), expect: signedIn() },
  { method: 'GET', path: '/api/notifications/unread-count', expect: signedIn() },
  { method: 'POST', path: '/api/notifications/read-all', expect: signedIn() },
  {
    method: 'POST',
    path: '/api/notifications/:id/read',
    params: (c) => ({ id: c.extra.notificationId! }),
    setup: notificationFor,
    expect: ownOnly,
  },
];
