import type { AppDeps } from '../../context.js';
import { claimDigest, digestSent, dueDigests, scheduleDigest } from '../../repositories/mail-digests.js';
import { loadForDelivery, type DeliveryRow } from '../../repositories/notifications.js';
import { queueMail } from '../../services/mailer.js';
import { mayStillKnow, peopleOf, stateReads } from './notification-delivery.js';
import { DIGEST_GRACE_MS, digestMail, mailWindowMs } from './notification-mail.js';

/** How many people's digests one round sends at most (the next round goes on). */
const ROUND = 100;

/**
 * Send every notification mail that is due (issue 18, point 2): one mail per person, with what
 * waited for it (`mail_pending`), leaving out what they read since or may no longer know about,
 * grouped by finding and channel. Each person's mail is claimed and queued in one transaction with
 * its rows marked mailed, so two instances, or a restart mid-round, send it once; a claim that
 * finds nothing left to say sends nothing. Returns how many mails were queued.
 */
export async function sendDueDigests(deps: AppDeps): Promise<number> {
  const now = deps.clock();
  let queued = 0;
  for (const due of await dueDigests(deps.db, now, ROUND)) {
    if (due.due_at === null) continue;
    const waiting = await pendingRows(deps, due.user_id);
    // Access as it is now, asked before the transaction (SQLite has one connection).
    const keep: DeliveryRow[] = [];
    const [person] = (await peopleOf(deps, waiting)).values();
    const reads = stateReads(deps);
    for (const r of waiting) if (r.read_at === null && person && (await mayStillKnow(r, person, reads))) keep.push(r);
    const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
    const titles = await findingTitles(deps, keep);
    const sent = await deps.db.transaction().execute(async (trx) => {
      if (!(await claimDigest(trx, due.user_id, due.due_at!))) return false;
      if (waiting.length)
        await trx
          .updateTable('notifications')
          .set({ mail_pending: 0 })
          .where(
            'id',
            'in',
            waiting.map((r) => r.id),
          )
          .execute();
      // Read meanwhile? Only rows still unread go into the mail (and are marked mailed with it).
      const ids = keep.length
        ? (
            await trx
              .updateTable('notifications')
              .set({ emailed_at: now })
              .where(
                'id',
                'in',
                keep.map((r) => r.id),
              )
              .where('read_at', 'is', null)
              .returning('id')
              .execute()
          ).map((r) => r.id)
        : [];
      const rows = keep.filter((r) => ids.includes(r.id));
      if (rows.length) {
        await queueMail(trx, digestMail(rows, titles, firm?.name ?? 'Debrief', deps.config.publicUrl), now, !!deps.config.smtpUrl);
        await digestSent(trx, due.user_id, now);
      }
      // Rows that began to wait after the read above: their mail is due a window after this one.
      const later = await trx.selectFrom('notifications').select('id').where('user_id', '=', due.user_id).where('mail_pending', '=', 1).executeTakeFirst();
      if (later) await scheduleDigest(trx, due.user_id, now, DIGEST_GRACE_MS, mailWindowMs(deps, waiting[0]?.user_prefs ?? null));
      return rows.length > 0;
    });
    if (sent) queued++;
  }
  if (queued) deps.bus.publish('mail.queued', {});
  return queued;
}

/** The person's rows waiting for their mail, oldest first. */
async function pendingRows(deps: AppDeps, userId: string): Promise<DeliveryRow[]> {
  const ids = await deps.db.selectFrom('notifications').select('id').where('user_id', '=', userId).where('mail_pending', '=', 1).execute();
  if (!ids.length) return [];
  return loadForDelivery(
    deps.db,
    ids.map((r) => r.id),
  );
}

/** The titles of the findings the rows are about (the digest's group headings). */
async function findingTitles(deps: AppDeps, rows: DeliveryRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.map((r) => r.finding_id).filter((id): id is string => !!id))];
  if (!ids.length) return new Map();
  const found = await deps.db.selectFrom('findings').select(['id', 'title']).where('id', 'in', ids).execute();
  return new Map(found.map((f) => [f.id, f.title]));
}
