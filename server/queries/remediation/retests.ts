import type { AppDeps } from '../../context.js';
import { z } from 'zod';
import type { PageQuery } from '../../contracts/api.js';
import { RETEST_PAGE_DEFAULT, type RetestCandidateDTO, type RetestDTO } from '../../contracts/remediation.js';
import { decodeCursor, pageOf } from '../../services/cursor.js';
import { FINDING_STATUSES } from '../../contracts/workspace.js';
import { seesSql } from '../../policies/access.js';
import { authorize } from '../../policies/index.js';
import { presentRetest } from '../../presenters/remediation.js';
import { listRetests, remediationDays, type RetestWithPeople } from '../../repositories/remediation.js';
import { dueOf } from '../../services/deadlines.js';
import { portalProfile, STAFF_PROFILE } from '../../visibility/profile.js';
import type { CommandContext } from '../../context.js';
import { ownClient, retestable } from './retest-access.js';

const RetestListKey = z.tuple([z.number().int(), z.string().max(64)]);

/** One page of retest requests, newest first: staff see every client's in their scope, a portal user their own client's. */
export async function retestList(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, query: PageQuery): Promise<{ retests: RetestDTO[]; next: string | null }> {
  const limit = query.limit ?? RETEST_PAGE_DEFAULT;
  const after = query.after === undefined ? null : decodeCursor(query.after, RetestListKey);
  const page = (rows: RetestWithPeople[], present: (r: RetestWithPeople) => RetestDTO) => {
    const p = pageOf(rows, limit, (r) => [r.created_at, r.id], present);
    return { retests: p.items, next: p.next };
  };
  if (ctx.viewer.user.kind === 'staff') {
    authorize(ctx.viewer.user, 'retest.manage');
    return page(await listRetests(deps.db, { reach: ctx.viewer.user, after, limit: limit + 1 }), (r) => presentRetest(r, STAFF_PROFILE));
  }
  const client = await ownClient(deps, ctx, 'retest.read');
  const profile = portalProfile(client);
  return page(await listRetests(deps.db, { clientId: client.id, after, limit: limit + 1 }), (r) => presentRetest(r, profile));
}

/**
 * The client's published findings a Manager may name in a retest request (the statuses the
 * transition table lets a Manager send for verification, or already waiting), most severe and
 * oldest-due first, with their project and due date. The client is the session's.
 */
export async function retestCandidates(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext): Promise<RetestCandidateDTO[]> {
  const client = await ownClient(deps, ctx, 'retest.request');
  const [rows, days] = await Promise.all([
    deps.db
      .selectFrom('findings as f')
      .innerJoin('projects as p', (j) => j.onRef('p.id', '=', 'f.project_id').on('p.client_id', '=', client.id))
      .innerJoin('clients as c', 'c.id', 'f.client_id')
      .select(['f.id', 'f.title', 'f.severity', 'f.status', 'f.project_id', 'p.name as project_name', 'f.published_at', 'f.due_paused_ms', 'f.due_paused_at'])
      .where(seesSql(ctx.viewer.user, 'finding', { clients: 'c', findings: 'f' }))
      .where('f.status', 'in', FINDING_STATUSES.filter(retestable))
      .orderBy('f.published_at')
      .orderBy('f.id')
      .execute(),
    remediationDays(deps.db),
  ]);
  const now = deps.clock();
  const rank = { critical: 0, high: 1, medium: 2, low: 3, informational: 4 } as const;
  return rows
    .map((f) => ({ f, due: dueOf(f, days, now) }))
    .sort((a, b) => rank[a.f.severity] - rank[b.f.severity] || (a.due.dueAt ?? Infinity) - (b.due.dueAt ?? Infinity))
    .map(({ f, due }) => ({
      id: f.id,
      title: f.title,
      severity: f.severity,
      status: f.status,
      projectId: f.project_id,
      projectName: f.project_name,
      dueAt: due.dueAt == null ? null : new Date(due.dueAt).toISOString(),
      overdue: due.overdue,
    }));
}
