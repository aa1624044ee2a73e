import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../context.js';
import type { RetestCandidateDTO, RetestDTO, RetestRequestInput } from '../contracts/remediation.js';
import { FINDING_STATUSES, type FindingStatus } from '../contracts/workspace.js';
import { clientOf } from '../auth/access.js';
import { conflict, forbidden, notFound } from '../errors.js';
import { appendFindingEvent } from '../events/log.js';
import { requireClientModule, seesSql } from '../policies/access.js';
import { authorize } from '../policies/index.js';
import { presentRetest } from '../presenters/remediation.js';
import { allowedFrom, actorOf, STATUS_LABELS } from '../remediation/transitions.js';
import { listRetests, remediationDays, teamOf } from '../repositories/remediation.js';
import { dueOf } from '../services/deadlines.js';
import { portalProfile, STAFF_PROFILE } from '../visibility/profile.js';
import { writeAudit } from '../audit.js';
import type { CommandContext } from './context.js';
import { applyMove, commitRemediation } from './remediation-move.js';

/** The portal user's own client (from the session), with the Findings module on. */
async function ownClient(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, action: 'retest.read' | 'retest.request') {
  const u = ctx.viewer.user;
  // Staff act on retests through the firm-wide routes; this is the client side.
  if (u.kind === 'staff') throw forbidden();
  if (!u.client_id) throw notFound();
  authorize(u, action, { type: 'clientData', clientId: u.client_id });
  const client = await clientOf(deps.db, u);
  requireClientModule(u, client, 'findings');
  return client!;
}

/** Retest requests: staff see every client's (newest first), a portal user their own client's. */
export async function retestList(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<RetestDTO[]> {
  if (ctx.viewer.user.kind === 'staff') {
    authorize(ctx.viewer.user, 'retest.manage');
    return (await listRetests(deps.db, { reach: ctx.viewer.user })).map((r) => presentRetest(r, STAFF_PROFILE));
  }
  const client = await ownClient(deps, ctx, 'retest.read');
  return (await listRetests(deps.db, { clientId: client.id })).map((r) => presentRetest(r, portalProfile(client)));
}

/** Whether a Manager may name a finding in this status in a retest request (the transition table decides). */
const retestable = (status: FindingStatus) => status === 'pending_verification' || allowedFrom(status, 'manager').includes('pending_verification');

/**
 * The client's published findings a Manager may name in a retest request (the statuses the
 * transition table lets a Manager send for verification, or already waiting), most severe and
 * oldest-due first, with their project and due date. The client is the session's.
 */
export async function retestCandidates(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext): Promise<RetestCandidateDTO[]> {
  const client = await ownClient(deps, ctx, 'retest.request');
  const [rows, days] = await Promise.all([
    deps.db.selectFrom('findings as f')
      .innerJoin('projects as p', (j) => j.onRef('p.id', '=', 'f.project_id').on('p.client_id', '=', client.id))
      .innerJoin('clients as c', 'c.id', 'f.client_id')
      .select(['f.id', 'f.title', 'f.severity', 'f.status', 'f.project_id', 'p.name as project_name', 'f.published_at', 'f.due_paused_ms', 'f.due_paused_at'])
      .where(seesSql(ctx.viewer.user, 'finding', { clients: 'c', findings: 'f' }))
      .where('f.status', 'in', FINDING_STATUSES.filter(retestable))
      .orderBy('f.published_at').orderBy('f.id')
      .execute(),
    remediationDays(deps.db),
  ]);
  const now = deps.clock();
  const rank = { critical: 0, high: 1, medium: 2, low: 3, informational: 4 } as const;
  return rows
    .map((f) => ({ f, due: dueOf(f, days, now) }))
    .sort((a, b) => rank[a.f.severity] - rank[b.f.severity] || (a.due.dueAt ?? Infinity) - (b.due.dueAt ?? Infinity))
    .map(({ f, due }) => ({
      id: f.id, title: f.title, severity: f.severity, status: f.status, projectId: f.project_id, projectName: f.project_name,
      dueAt: due.dueAt == null ? null : new Date(due.dueAt).toISOString(), overdue: due.overdue,
    }));
}

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
      throw conflict(`These findings can't be retested: ${stuck.map((f) => `“${f.title}” is ${STATUS_LABELS[f.status]}`).join('; ')}. Only Open, Not fixed, Partially fixed or Pending verification findings can.`);
    }
    await trx.insertInto('retest_requests').values({ id, client_id: client.id, requested_by: u.id, message: input.message, status: 'requested', scheduled_for: null, created_at: now, updated_at: now }).execute();
    await trx.insertInto('retest_request_findings').values(findings.map((f) => ({ request_id: id, finding_id: f.id }))).execute();
    for (const f of findings) {
      if (f.status === 'pending_verification') {
        await trx.updateTable('remediation_rounds').set({ retest_request_id: id }).where('finding_id', '=', f.id).where('verdict', 'is', null).where('retest_request_id', 'is', null).execute();
        await appendFindingEvent(trx, f.id, 'remediation:updated', now);
      } else {
        // The per-finding "marked remediated" notifications give way to the one retest notification.
        await applyMove(trx, ctx, f.id, { to: 'pending_verification', notes: input.message, attachmentIds: [], retestRequestId: id, auditAction: 'remediation.submitted', notesField: 'notes' }, now);
      }
    }
    await writeAudit(trx, { ...ctx.audit, clientId: client.id }, { action: 'retest.requested', outcome: 'success', targetType: 'retest_request', targetId: id, details: { findings: findings.length } }, now);
    const staff = [...new Set((await Promise.all([...new Set(findings.map((f) => f.project_id))].map((p) => teamOf(trx, p)))).flat())];
    const n = findings.length;
    return {
      value: null,
      notifications: staff.map((userId) => ({
        user_id: userId, client_id: client.id, kind: 'retest' as const, actor_id: u.id, finding_id: n === 1 ? findings[0]!.id : null,
        text: `${u.name} (${client.name}) requested a retest of ${n === 1 ? `“${findings[0]!.title}”` : `${n} findings`}.`, link: '/staff/verification', created_at: now,
      })),
    };
  });
  const [row] = await listRetests(deps.db, { clientId: client.id }).then((all) => all.filter((r) => r.id === id));
  return presentRetest(row!, portalProfile(client));
}
