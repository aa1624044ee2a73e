import type { Db } from '../../db/client.js';
import type { NotificationKind, NotificationRow } from '../../db/schema.js';
import { DIGEST_GRACE_MS } from '../../server/events/handlers/notification-mail.js';
import type { TestApp } from './app.js';

/** A notification row for a user (unread unless `read_at` is given). */
export async function buildNotification(
  db: Db,
  userId: string,
  overrides: Partial<Omit<NotificationRow, 'id' | 'user_id'>> & { kind?: NotificationKind } = {},
): Promise<NotificationRow> {
  const row = await db
    .insertInto('notifications')
    .values({
      user_id: userId,
      client_id: null,
      kind: 'mention',
      actor_id: null,
      finding_id: null,
      text: 'Someone mentioned you',
      link: '/account',
      created_at: Date.now(),
      read_at: null,
      emailed_at: null,
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return row;
}

/** The notification mails in the outbox addressed to `to`. */
export function mailsTo(db: Db, to: string) {
  return db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).orderBy('id').execute();
}

/** Let the first mail's grace period pass (the test clock moves; nothing waits) and send the mails now due; returns how many. */
export async function sendDigestsAfterGrace(app: Pick<TestApp, 'clock' | 'server'>): Promise<number> {
  await app.server.drain();
  app.clock.advance(DIGEST_GRACE_MS + 1000);
  return app.server.sendDueDigests();
}
