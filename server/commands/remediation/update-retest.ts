import type { AppDeps } from '../../context.js';
import type { RetestDTO, RetestUpdateInput } from '../../contracts/remediation.js';
import { writeAudit } from '../../audit.js';
import { conflict, notFound } from '../../errors.js';
import { appendFindingEvent } from '../../events/log.js';
import { authorize } from '../../policies/index.js';
import { presentRetest } from '../../presenters/remediation.js';
import { checkRetestTransition } from '../../remediation/transitions.js';
import { isActive, listRetests } from '../../repositories/remediation.js';
import { STAFF_PROFILE } from '../../visibility/profile.js';
import type { CommandContext } from '../../context.js';
import { commitRemediation } from './move.js';

/**
 * Staff move a retest request along (requested → scheduled → done), optionally with the planned
 * date; the requester is told and the findings' pages show the new state.
 */
export async function updateRetest(deps: AppDeps, ctx: CommandContext, requestId: string, input: RetestUpdateInput): Promise<RetestDTO> {
  const req = await deps.db.selectFrom('retest_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
  if (!req) throw notFound();
  authorize(ctx.viewer.user, 'retest.manage', { type: 'clientData', clientId: req.client_id });
  const check = checkRetestTransition(req.status, input.status);
  if (!check.ok) throw conflict(check.message, { current: req.status });
  const now = deps.clock();
  await commitRemediation(deps, async (trx) => {
    const res = await trx
      .updateTable('retest_requests')
      .set({ status: input.status, scheduled_for: input.status === 'scheduled' ? input.scheduledFor : req.scheduled_for, updated_at: now })
      .where('id', '=', req.id)
      .where('status', '=', req.status)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw conflict('The retest request changed meanwhile. Reload and try again.');
    const findings = await trx.selectFrom('retest_request_findings').select('finding_id').where('request_id', '=', req.id).execute();
    for (const f of findings) await appendFindingEvent(trx, f.finding_id, 'remediation:updated', now);
    await writeAudit(
      trx,
      { ...ctx.audit, clientId: req.client_id },
      { action: 'retest.updated', outcome: 'success', targetType: 'retest_request', targetId: req.id, details: { from: req.status, to: input.status } },
      now,
    );
    const words = input.status === 'scheduled' ? `scheduled${input.scheduledFor ? ` for ${input.scheduledFor}` : ''}` : input.status;
    const tell = req.requested_by !== ctx.viewer.user.id && (await isActive(trx, req.requested_by));
    return {
      value: null,
      notifications: tell
        ? [
            {
              user_id: req.requested_by,
              client_id: req.client_id,
              kind: 'retest' as const,
              actor_id: ctx.viewer.user.id,
              finding_id: null,
              text: `Your retest request is ${words}.`,
              link: '/portal/retests',
              created_at: now,
            },
          ]
        : [],
    };
  });
  const [row] = await listRetests(deps.db, { clientId: req.client_id, id: req.id });
  return presentRetest(row!, STAFF_PROFILE);
}
