import type { AuditAction } from '../../contracts/audit-actions.js';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, FindingRow, FindingStatus } from '../../../db/schema.js';
import { writeAudit } from '../../audit.js';
import { conflict, forbidden, notFound, validationFailed } from '../../errors.js';
import { appendFindingEvent } from '../../events/log.js';
import { actorOf, checkTransition, STATUS_LABELS, VERDICT_STATUSES, pauseAfter } from '../../remediation/transitions.js';
import { activeRetestFor, isActive, managersOf, nextRoundNo, openRound, pendingAttachments, teamOf } from '../../repositories/remediation.js';
import { insertNotifications, type NewNotification } from '../../repositories/notifications.js';
import type { AppDeps } from '../../context.js';
import { auditFor, type CommandContext } from '../../context.js';
import { isPublished } from '../../policies/access.js';
import { lockRow } from '../../../db/dialect.js';

type Trx = Kysely<Database>;

/**
 * The one way a finding's status changes, used by every route that changes it (a Manager's
 * submission, a staff verdict, a staff status change, a retest request). Inside the caller's
 * transaction: check the transition table, open or close the round the move carries, stop or
 * restart the deadline clock, write the status history, log the feed event and the audit row,
 * and return the notification rows to insert in the same transaction.
 */

export interface MoveInput {
  to: FindingStatus;
  /** Submission notes (into Pending verification), verdict notes (out of it) or the status note. */
  notes: string;
  attachmentIds: string[];
  /** A retest request the new round belongs to (else the finding's oldest open request, if any). */
  retestRequestId?: string | null;
  auditAction: AuditAction;
  /** The request field the notes came in (for a field-aware 400). */
  notesField: 'note' | 'notes';
  /** The staff status change: a verdict is refused (it goes through the verdict route, which names the round). */
  noVerdict?: boolean;
}

const field = (path: string, message: string) => validationFailed(`${path}: ${message}`, [{ path, message }]);

/** Apply a move inside `trx`; throws (and the caller's transaction rolls back) when it is not allowed. */
export async function applyMove(trx: Trx, ctx: CommandContext, findingId: string, input: MoveInput, now: number): Promise<NewNotification[]> {
  // The finding first, then its read (docs/transactions.md, "Lock order"): a second verdict, or
  // an unpublish, committed while we waited is seen here, instead of a round written on a draft
  // or a verdict on a judged round (the frozen-round trigger's 500).
  await lockRow(trx, 'findings', findingId);
  const f = await trx.selectFrom('findings').selectAll().where('id', '=', findingId).executeTakeFirst();
  if (!f) throw notFound();
  const user = ctx.viewer.user;
  const check = checkTransition(f.status, input.to, actorOf(user));
  if (!check.ok) throw check.reason === 'role' ? forbidden(check.message) : conflict(check.message, { current: f.status });
  // Checked again inside the transaction: the finding may have been withdrawn since the request's access check.
  if (user.kind === 'portal' && (user.client_id !== f.client_id || !isPublished(f))) throw notFound();

  const notes: NewNotification[] = [];
  let roundId: string | null = null;
  if (input.to === 'pending_verification') {
    // A round is a record the client shares; a draft can't have one (and rounds are never deleted).
    if (!isPublished(f)) throw conflict('Publish the finding before recording a fix: a draft has no remediation rounds.');
    if (!input.notes) throw field(input.notesField, 'required: say what was fixed');
    roundId = randomUUID();
    const roundNo = await nextRoundNo(trx, f.id);
    const retest = input.retestRequestId ?? (await activeRetestFor(trx, f.id)) ?? null;
    await trx
      .insertInto('remediation_rounds')
      .values({
        id: roundId,
        finding_id: f.id,
        client_id: f.client_id,
        round_no: roundNo,
        retest_request_id: retest,
        submitted_by: user.id,
        submitted_at: now,
        submit_notes: input.notes,
        verdict: null,
        verdict_by: null,
        verdict_at: null,
        verdict_notes: null,
      })
      .execute();
    await attach(trx, ctx, f, roundId, input.attachmentIds);
    const team = (await teamOf(trx, f.project_id)).filter((id) => id !== user.id);
    notes.push(
      ...team.map((userId) =>
        notification(f, userId, user.id, `${user.name} marked “${f.title}” remediated (round ${roundNo}).`, `/staff/findings/${f.id}`, now),
      ),
    );
  } else if (f.status === 'pending_verification' && VERDICT_STATUSES.includes(input.to)) {
    const round = await openRound(trx, f.id);
    if (!round) throw conflict('This finding has no round waiting for a verdict.');
    if (input.noVerdict) {
      throw conflict(
        `Round ${round.round_no} is open and waits for its verdict. Give it with “Give verdict” under Remediation, which closes the round; Change status offers no verdicts while a round is open.`,
        { current: f.status, roundNo: round.round_no },
      );
    }
    if (input.to !== 'verified_fixed' && !input.notes) throw field(input.notesField, 'required: say what is still wrong');
    roundId = round.id;
    const judged = await trx
      .updateTable('remediation_rounds')
      .set({ verdict: input.to as 'verified_fixed', verdict_by: user.id, verdict_at: now, verdict_notes: input.notes })
      .where('id', '=', round.id)
      .where('verdict', 'is', null)
      .executeTakeFirst();
    if (Number(judged.numUpdatedRows) !== 1) throw conflict('This round already has a verdict. Reload and try again.');
    await attach(trx, ctx, f, round.id, input.attachmentIds);
    if (isPublished(f)) {
      const submitter = (await isActive(trx, round.submitted_by)) ? [round.submitted_by] : [];
      const who = [...new Set([...(await managersOf(trx, f.client_id)), ...submitter])].filter((id) => id !== user.id);
      const kinds = new Map(
        (
          await trx
            .selectFrom('users')
            .select(['id', 'kind'])
            .where('id', 'in', who.length ? who : [''])
            .execute()
        ).map((u) => [u.id, u.kind]),
      );
      notes.push(
        ...who.map((userId) =>
          notification(
            f,
            userId,
            user.id,
            `“${f.title}”: ${STATUS_LABELS[input.to]} (round ${round.round_no}).`,
            `/${kinds.get(userId) === 'staff' ? 'staff' : 'portal'}/findings/${f.id}`,
            now,
          ),
        ),
      );
    }
  } else if (input.attachmentIds.length) {
    throw field('attachmentIds', 'files go with a submission or a verdict');
  }

  const res = await trx
    .updateTable('findings')
    .set({ status: input.to, updated_at: now, ...pauseAfter(f, input.to, now) })
    .where('id', '=', f.id)
    .where('status', '=', f.status)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw conflict('The finding changed meanwhile. Reload and try again.');
  await trx
    .insertInto('finding_status_history')
    .values({ finding_id: f.id, client_id: f.client_id, from_status: f.status, to_status: input.to, note: input.notes, actor_id: user.id, at: now })
    .execute();
  await appendFindingEvent(trx, f.id, 'remediation:updated', now);
  await writeAudit(
    trx,
    auditFor(ctx, f.client_id),
    {
      action: input.auditAction,
      outcome: 'success',
      targetType: 'finding',
      targetId: f.id,
      details: { from: f.status, to: input.to, ...(roundId ? { roundId } : {}) },
    },
    now,
  );
  return notes;
}

/** Attach the actor's own pending remediation files to a round; naming any other file is refused. */
async function attach(trx: Trx, ctx: CommandContext, f: FindingRow, roundId: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const mine = await pendingAttachments(trx, ctx.viewer.user.id, f.client_id, ids);
  if (mine.length !== new Set(ids).size) throw field('attachmentIds', 'a file is not yours, was already used, or was never uploaded');
  await trx.updateTable('attachments').set({ round_id: roundId }).where('id', 'in', ids).where('round_id', 'is', null).execute();
}

function notification(f: FindingRow, userId: string, actorId: string, text: string, link: string, now: number): NewNotification {
  return { user_id: userId, client_id: f.client_id, kind: 'remediation', actor_id: actorId, finding_id: f.id, text, link, created_at: now };
}

/**
 * Run remediation writes in ONE transaction (the moves, their notification rows, anything the
 * caller adds), then announce them after commit: the feed pump and the notifications handler.
 */
export async function commitRemediation<T>(
  deps: Pick<AppDeps, 'db' | 'bus'>,
  work: (trx: Trx) => Promise<{ value: T; notifications: NewNotification[] }>,
): Promise<T> {
  const { value, ids } = await deps.db.transaction().execute(async (trx) => {
    const out = await work(trx);
    return { value: out.value, ids: await insertNotifications(trx, out.notifications) };
  });
  deps.bus.publish('events.appended', {});
  if (ids.length) deps.bus.publish('notifications.created', { ids });
  return value;
}
