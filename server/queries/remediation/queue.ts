import { sql, type SqlBool } from 'kysely';
import type { AppDeps } from '../../context.js';
import { z } from 'zod';
import type { PageQuery } from '../../contracts/api.js';
import { QUEUE_PAGE_DEFAULT, type QueueItemDTO, type RemediationSummaryDTO } from '../../contracts/remediation.js';
import { decodeCursor, pageOf } from '../../services/cursor.js';
import { clientOf } from '../../auth/access.js';
import { reachesSql, requireClientModule, seesSql, stateSql } from '../../policies/access.js';
import { authorize } from '../../policies/index.js';
import { remediationDays } from '../../repositories/remediation.js';
import { keysetPage, type KeyPart } from '../../repositories/keyset.js';
import { dueOf, dueSql } from '../../services/deadlines.js';
import type { CommandContext } from '../../context.js';
import { iso } from '../../presenters/iso.js';

const OVERDUE_LIST = 10;

const QueueKey = z.tuple([z.number().int(), z.string().max(64)]);
/** Oldest submission first. */
const QUEUE_ORDER: KeyPart[] = [
  { by: 'r.submitted_at', dir: 'asc' },
  { by: 'r.id', dir: 'asc' },
];

/** One page of the verification queue: the findings waiting for a verdict, across clients, oldest submission first (staff). */
export async function verificationQueue(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  ctx: CommandContext,
  query: PageQuery,
): Promise<{ queue: QueueItemDTO[]; next: string | null }> {
  authorize(ctx.viewer.user, 'remediation.queue');
  const limit = query.limit ?? QUEUE_PAGE_DEFAULT;
  const after = query.after === undefined ? null : decodeCursor(query.after, QueueKey);
  // The page first, from the rounds and their findings alone (a firm has ~1,500 waiting), then the
  // page's ~50 rows in full: joining the names of every waiting round before sorting cost
  // PostgreSQL ~4× the time, most of it planning the seven-table join and looking up each row.
  const waiting = deps.db
    .selectFrom('remediation_rounds as r')
    .innerJoin('findings as f', 'f.id', 'r.finding_id')
    .select(['r.id', 'r.submitted_at'])
    .where('r.verdict', 'is', null)
    .where('f.status', '=', 'pending_verification')
    // The findings Home counts as waiting (published, client not archived), each once: its newest
    // open round (the finding lock allows only one; this holds even if old data has two).
    .where(sql<SqlBool>`${stateSql.published('f')} and ${stateSql.ofClientNotArchived('f')}`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('remediation_rounds as r2')
            .select('r2.id')
            .whereRef('r2.finding_id', '=', 'r.finding_id')
            .where('r2.verdict', 'is', null)
            .whereRef('r2.round_no', '>', 'r.round_no'),
        ),
      ),
    )
    .where(reachesSql(ctx.viewer.user, 'f.client_id'));
  const keys = await keysetPage(waiting, QUEUE_ORDER, after, limit + 1).execute();
  const ids = keys.slice(0, limit).map((k) => k.id);
  const details = ids.length
    ? await deps.db
        .selectFrom('remediation_rounds as r')
        .innerJoin('findings as f', 'f.id', 'r.finding_id')
        .innerJoin('clients as c', 'c.id', 'f.client_id')
        .innerJoin('projects as p', 'p.id', 'f.project_id')
        .leftJoin('users as u', 'u.id', 'r.submitted_by')
        .leftJoin('retest_requests as rr', 'rr.id', 'r.retest_request_id')
        .leftJoin('users as ru', 'ru.id', 'rr.requested_by')
        .select([
          'f.id as findingId',
          'f.title',
          'f.severity',
          'f.status',
          'f.published_at',
          'f.due_paused_ms',
          'f.due_paused_at',
          'f.client_id',
          'c.name as clientName',
          'f.project_id',
          'p.name as projectName',
          'r.id as roundId',
          'r.round_no',
          'r.submitted_at',
          'r.submitted_by',
          'r.submit_notes',
          'r.retest_request_id',
          'u.name as submitterName',
          'u.kind as submitterKind',
          'rr.message as retestMessage',
          'rr.status as retestStatus',
          'rr.scheduled_for as retestScheduledFor',
          'ru.name as retestRequester',
        ])
        .where('r.id', 'in', ids)
        .execute()
    : [];
  const byId = new Map(details.map((r) => [r.roundId, r]));
  const days = await remediationDays(deps.db);
  const now = deps.clock();
  // In the page's order, the cursor from the keys (a row missing from the second read is left out).
  const page = pageOf(
    keys,
    limit,
    (k) => [k.submitted_at, k.id],
    (k) => byId.get(k.id),
  );
  const present = (r: (typeof details)[number]): QueueItemDTO => ({
    findingId: r.findingId,
    title: r.title,
    severity: r.severity,
    clientId: r.client_id,
    clientName: r.clientName,
    projectId: r.project_id,
    projectName: r.projectName,
    roundId: r.roundId,
    roundNo: r.round_no,
    submittedAt: iso(r.submitted_at)!,
    submitNotes: r.submit_notes,
    retestRequestId: r.retest_request_id,
    retest:
      r.retest_request_id && r.retestStatus
        ? {
            id: r.retest_request_id,
            message: r.retestMessage ?? '',
            status: r.retestStatus,
            scheduledFor: r.retestScheduledFor,
            requestedBy: r.retestRequester ?? 'Former user',
          }
        : null,
    // A staff-only list: a client submitter (always of the finding's own client) carries its organisation badge.
    submittedBy: {
      id: r.submitted_by,
      name: r.submitterName ?? 'Former user',
      kind: r.submitterKind ?? 'portal',
      ...((r.submitterKind ?? 'portal') === 'portal' && { org: r.clientName }),
    },
    dueAt: iso(dueOf(r, days, now).dueAt),
  });
  return { queue: page.items.flatMap((r) => (r ? [present(r)] : [])), next: page.next };
}

/**
 * Dashboard counts over published findings: overdue (with the most overdue listed), waiting for
 * verification, verified fixed, open with a deadline, open retest requests. A portal user gets
 * their own client's (client from the session); staff those of every client in their scope.
 */
export async function remediationSummary(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext): Promise<RemediationSummaryDTO> {
  const u = ctx.viewer.user;
  const clientId = u.kind === 'portal' ? u.client_id : null;
  if (u.kind === 'portal') {
    authorize(u, 'remediation.read', { type: 'clientData', clientId: clientId ?? '' });
    requireClientModule(u, await clientOf(deps.db, u), 'findings');
  } else {
    authorize(u, 'remediation.queue');
  }
  // A client's people: what they may see (their one client joined). Staff: published findings of
  // clients not archived, counted without joining each finding's client.
  const findings = () =>
    clientId
      ? deps.db
          .selectFrom('findings as f')
          .innerJoin('clients as c', 'c.id', 'f.client_id')
          .where(seesSql(u, 'finding', { clients: 'c', findings: 'f' }))
      : deps.db
          .selectFrom('findings as f')
          .where(sql<SqlBool>`${stateSql.published('f')} and ${stateSql.ofClientNotArchived('f')} and ${reachesSql(u, 'f.client_id')}`);
  const [days, retests] = await Promise.all([
    remediationDays(deps.db),
    deps.db
      .selectFrom('retest_requests')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '!=', 'done')
      .where(reachesSql(u, 'retest_requests.client_id'))
      .executeTakeFirst(),
  ]);
  const now = deps.clock();
  const due = dueSql('f', days, now);
  // Counted in SQL from the findings_status index alone (a firm's years of findings are never
  // loaded, nor their rows read): counts by status and severity, then the overdue ones with their due
  // time, and only the few listed are read in full.
  const [byStatus, overdue, listed] = await Promise.all([
    findings()
      .select(['f.status', 'f.severity', (eb) => eb.fn.countAll<number>().as('n')])
      .where('f.status', 'in', ['open', 'not_fixed', 'partially_fixed', 'pending_verification', 'verified_fixed'])
      .groupBy(['f.status', 'f.severity'])
      .execute(),
    findings()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(due.overdue)
      .executeTakeFirstOrThrow(),
    findings()
      .select(['f.id', due.dueAt.as('due_at')])
      .where(due.overdue)
      .orderBy('due_at')
      .orderBy('f.id')
      .limit(OVERDUE_LIST)
      .execute(),
  ]);
  const details = new Map(
    listed.length
      ? (
          await deps.db
            .selectFrom('findings as f')
            .innerJoin('clients as c', 'c.id', 'f.client_id')
            .select(['f.id', 'f.title', 'f.severity', 'f.status', 'f.client_id', 'c.name as client_name'])
            .where(
              'f.id',
              'in',
              listed.map((r) => r.id),
            )
            .execute()
        ).map((r) => [r.id, r])
      : [],
  );
  const count = (statuses: readonly string[], withDeadline = false) =>
    byStatus.filter((r) => statuses.includes(r.status) && (!withDeadline || r.severity !== 'informational')).reduce((n, r) => n + Number(r.n), 0);
  return {
    overdue: Number(overdue.n),
    pending: count(['pending_verification']),
    verifiedFixed: count(['verified_fixed']),
    // A published finding has a deadline unless it is informational.
    openWithDeadline: count(['open', 'not_fixed', 'partially_fixed', 'pending_verification'], true),
    overdueFindings: listed.map(({ id, due_at }) => {
      const r = details.get(id)!;
      return {
        findingId: id,
        title: r.title,
        severity: r.severity,
        status: r.status,
        dueAt: iso(due_at)!,
        ...(clientId ? {} : { clientId: r.client_id, clientName: r.client_name }),
      };
    }),
    openRetests: Number(retests?.n ?? 0),
  };
}
