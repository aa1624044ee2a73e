import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../context.js';
import type { RetestDTO, RetestRequestInput } from '../../contracts/remediation.js';
import { conflict, notFound } from '../../errors.js';
import { appendFindingEvent } from '../../events/log.js';
import { seesSql } from '../../policies/access.js';
import { presentRetest } from '../../presenters/remediation.js';
import { allowedFrom, actorOf, STATUS_LABELS } from '../../remediation/transitions.js';
import { listRetests, teamOf } from '../../repositories/remediation.js';
import { portalProfile } from '../../visibility/profile.js';
import { writeAudit } from '../../audit.js';
import type { CommandContext } from '../../context.js';
import { applyMove, commitRemediation } from './move.js';
import { ownClient } from '../../queries/remediation/retest-access.js';
import { lockRows } from '../../../db/dialect.js';

/**
 * A client Manager asks for a retest of one or several published findings with a message. Each
 * finding that waits for work becomes Pending verification with a new round (the message is its
 * notes); a finding already waiting has its round linked. Staff are told once.
 */
export async function requestRetest(deps: AppDeps, ctx: CommandContext, input: RetestRequestInput): Promise<RetestDTO> {
  const client = await ownClient(deps, ctx, 'retest.request');
  const u = ctx.viewer.user;
  const now = deps.clock();
  const id = randomUUID();
  await commitRemediation(deps, async (trx) => {
    // Every named finding is locked first, in id order, before any round or the event log's lock
    // (docs/transactions.md, "Lock order"): a submit or verdict on one of them holds that finding
    // and then waits for the event lock, so taking it later here was a deadlock. Their statuses
    // are read after the lock, so a verdict committed meanwhile is seen.
    await lockRows(trx, 'findings', input.findingIds);
    const findings = await trx
      .selectFrom('findings as f')
      .innerJoin('clients as c', 'c.id', 'f.client_id')
      .select(['f.id', 'f.title', 'f.status', 'f.project_id'])
      .where(seesSql(u, 'finding', { clients: 'c', findings: 'f' }))
      .where('f.id', 'in', input.findingIds)
      .execute();
    if (findings.length !== input.findingIds.length) throw notFound('One of the findings does not exist.');
    const stuck = findings.filter((f) => f.status !== 'pending_verification' && !allowedFrom(f.status, actorOf(u)).includes('pending_verification'));
    if (stuck.length) {
      throw conflict(
        `These findings can't be retested: ${stuck.map((f) => `“${f.title}” is ${STATUS_LABELS[f.status]}`).join('; ')}. Only Open, Not fixed, Partially fixed or Pending verification findings can.`,
      );
    }
    await trx
      .insertInto('retest_requests')
      .values({
        id,
        client_id: client.id,
        requested_by: u.id,
        message: input.message,
        status: 'requested',
        scheduled_for: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('retest_request_findings')
      .values(findings.map((f) => ({ request_id: id, finding_id: f.id })))
      .execute();
    for (const f of findings) {
      if (f.status === 'pending_verification') {
        await trx
          .updateTable('remediation_rounds')
          .set({ retest_request_id: id })
          .where('finding_id', '=', f.id)
          .where('verdict', 'is', null)
          .where('retest_request_id', 'is', null)
          .execute();
        await appendFindingEvent(trx, f.id, 'remediation:updated', now);
      } else {
        // The per-finding "marked remediated" notifications give way to the one retest notification.
        await applyMove(
          trx,
          ctx,
          f.id,
          {
            to: 'pending_verification',
            notes: input.message,
            attachmentIds: [],
            retestRequestId: id,
            auditAction: 'remediation.submitted',
            notesField: 'notes',
          },
          now,
        );
      }
    }
    await writeAudit(
      trx,
      { ...ctx.audit, clientId: client.id },
      { action: 'retest.requested', outcome: 'success', targetType: 'retest_request', targetId: id, details: { findings: findings.length } },
      now,
    );
    const staff = [...new Set((await Promise.all([...new Set(findings.map((f) => f.project_id))].map((p) => teamOf(trx, p)))).flat())];
    const n = findings.length;
    return {
      value: null,
      notifications: staff.map((userId) => ({
        user_id: userId,
        client_id: client.id,
        kind: 'retest' as const,
        actor_id: u.id,
        finding_id: n === 1 ? findings[0]!.id : null,
        text: `${u.name} (${client.name}) requested a retest of ${n === 1 ? `“${findings[0]!.title}”` : `${n} findings`}.`,
        link: '/staff/verification',
        created_at: now,
      })),
    };
  });
  const [row] = await listRetests(deps.db, { clientId: client.id, id });
  return presentRetest(row!, portalProfile(client));
}
