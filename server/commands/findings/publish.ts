import type { AppDeps } from '../../context.js';
import type { FindingStaffDTO } from '../../contracts/workspace.js';
import { writeAudit } from '../../audit.js';
import { hasHistory } from '../../repositories/findings.js';
import { auditFor, type CommandContext } from '../../context.js';
import { getFinding, readableFinding } from '../../queries/findings/read.js';
import { appendEvent } from '../../events/log.js';
import { notifyFindingPublished, portalAudienceOf } from '../notifications/recipients.js';
import { isPublished, stateSql } from '../../policies/access.js';
import { requireConfirmation } from '../../confirmation.js';
import { publishConsequence } from '../../queries/consequences.js';
import { findClient } from '../../repositories/clients.js';

/**
 * Publish (the client's users can now see it) or unpublish (back to a draft, hidden again). The
 * first publication starts the status history with the finding's current status. Publishing
 * does not bump the edit version: it changes no text a colleague could be editing. Publishing
 * needs `confirmed`: the person has seen who will be notified (the same audience, read in the
 * same transaction as the notifications it writes).
 */
export async function setFindingPublished(
  deps: AppDeps,
  ctx: CommandContext,
  findingId: string,
  publish: boolean,
  confirmed?: boolean,
): Promise<FindingStaffDTO> {
  const f = await readableFinding(deps, ctx, findingId, 'finding.manage');
  if (isPublished(f) === publish) return getFinding(deps, ctx, findingId);

  const now = deps.clock();
  const notified = await deps.db.transaction().execute(async (trx) => {
    if (publish) {
      const client = await findClient(trx, f.client_id);
      requireConfirmation(confirmed, [await publishConsequence(trx, f, client?.name ?? 'the client', await portalAudienceOf(trx, f.client_id, 'findings'))]);
    }
    const changed = await trx
      .updateTable('findings')
      .set(publish ? { published: 1, published_at: now, updated_at: now } : { published: 0, published_at: null, updated_at: now })
      .where('id', '=', findingId)
      .where(publish ? stateSql.draft('findings') : stateSql.published('findings'))
      .executeTakeFirst();
    // Already so (a double click, another tab committed first while we waited for the row):
    // nothing changed, so no second event, notification or mail.
    if (Number(changed.numUpdatedRows) !== 1) return null;
    if (publish && !(await hasHistory(trx, findingId))) {
      await trx
        .insertInto('finding_status_history')
        .values({ finding_id: findingId, client_id: f.client_id, from_status: null, to_status: f.status, note: '', actor_id: ctx.viewer.user.id, at: now })
        .execute();
    }
    // Withdrawal is told to the client's users too (their pages drop it); its content is not.
    await appendEvent(trx, { clientId: f.client_id, type: publish ? 'finding:published' : 'finding:unpublished', audience: 'all', entityId: findingId }, now);
    await writeAudit(
      trx,
      auditFor(ctx, f.client_id),
      {
        action: publish ? 'finding.published' : 'finding.unpublished',
        outcome: 'success',
        targetType: 'finding',
        targetId: findingId,
      },
      now,
    );
    // The client's people (Findings module on) are told, with the publication or not at all.
    return publish ? notifyFindingPublished(trx, f, ctx.viewer.user.id, now) : [];
  });
  if (notified === null) return getFinding(deps, ctx, findingId);
  deps.bus.publish('events.appended', {});
  if (!publish) deps.bus.publish('access.changed', { clientId: f.client_id });
  if (notified.length) deps.bus.publish('notifications.created', { ids: notified });
  return getFinding(deps, ctx, findingId);
}
