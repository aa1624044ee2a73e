import { sql, type SqlBool } from 'kysely';
import type { AppDeps, CommandContext } from '../../context.js';
import type { AttentionProjectDTO, StaffHomeDTO } from '../../contracts/home.js';
import { reachesSql, stateSql } from '../../policies/access.js';
import { authorize } from '../../policies/index.js';
import { remediationDays } from '../../repositories/remediation.js';
import { activityPage } from '../../repositories/activity.js';
import { presentActivityRow } from '../../presenters/dashboard.js';
import { dueSql } from '../../services/deadlines.js';

/** How many events staff Home lists, and at most how many projects needing attention. */
const HOME_ACTIVITY = 15;
const ATTENTION_MAX = 100;

/**
 * Staff Home: the firm's latest activity across the clients in the viewer's scope, the projects
 * with something waiting on the firm, and how far a new firm has got (clients, projects). The
 * findings counted are those Home's cards count (`queries/remediation/queue.ts`): published, of a
 * client not archived, so each project's numbers add up to the cards above them.
 */
export async function staffHome(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext): Promise<StaffHomeDTO> {
  const u = ctx.viewer.user;
  authorize(u, 'activity.read');
  const db = deps.db;
  const [rows, attention, start] = await Promise.all([
    activityPage(db, u, { findings: true, reports: true, before: null, limit: HOME_ACTIVITY }),
    attentionProjects(deps, ctx),
    startOf(deps, ctx),
  ]);
  return {
    activity: rows.map((r) => ({ ...presentActivityRow(r, 'staff'), clientId: r.client_id, clientName: r.client_name })),
    attention,
    start,
  };
}

/** Projects with overdue findings, findings waiting for a verdict or open retest requests, the most pressing first. */
async function attentionProjects(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext): Promise<AttentionProjectDTO[]> {
  const u = ctx.viewer.user;
  const db = deps.db;
  const counted = () =>
    db.selectFrom('findings as f').where(sql<SqlBool>`${stateSql.published('f')} and ${stateSql.ofClientNotArchived('f')} and ${reachesSql(u, 'f.client_id')}`);
  const due = dueSql('f', await remediationDays(db), deps.clock());
  const [overdue, pending, retests] = await Promise.all([
    counted()
      .select(['f.project_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where(due.overdue)
      .groupBy('f.project_id')
      .execute(),
    counted()
      .select(['f.project_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('f.status', '=', 'pending_verification')
      .groupBy('f.project_id')
      .execute(),
    // A request names findings; it waits on each project it names (counted once per project).
    db
      .selectFrom('retest_requests as rr')
      .innerJoin('retest_request_findings as rf', 'rf.request_id', 'rr.id')
      .innerJoin('findings as f', 'f.id', 'rf.finding_id')
      .select(['f.project_id', (eb) => eb.fn.count<number>('rr.id').distinct().as('n')])
      .where('rr.status', '!=', 'done')
      .where(sql<SqlBool>`${stateSql.ofClientNotArchived('f')} and ${reachesSql(u, 'rr.client_id')}`)
      .groupBy('f.project_id')
      .execute(),
  ]);
  const by = new Map<string, { overdue: number; pending: number; openRetests: number }>();
  const add = (rows: { project_id: string; n: number }[], key: 'overdue' | 'pending' | 'openRetests') => {
    for (const r of rows) {
      const c = by.get(r.project_id) ?? { overdue: 0, pending: 0, openRetests: 0 };
      c[key] = Number(r.n);
      by.set(r.project_id, c);
    }
  };
  add(overdue, 'overdue');
  add(pending, 'pending');
  add(retests, 'openRetests');
  if (by.size === 0) return [];
  const projects = await db
    .selectFrom('projects as p')
    .innerJoin('clients as c', 'c.id', 'p.client_id')
    .select(['p.id', 'p.name', 'p.status', 'p.client_id', 'c.name as client_name'])
    .where('p.id', 'in', [...by.keys()])
    .execute();
  return projects
    .map((p) => ({ projectId: p.id, name: p.name, status: p.status, clientId: p.client_id, clientName: p.client_name, ...by.get(p.id)! }))
    .sort(
      (a, b) =>
        b.overdue - a.overdue || b.pending - a.pending || b.openRetests - a.openRetests || a.name.localeCompare(b.name) || (a.projectId < b.projectId ? -1 : 1),
    )
    .slice(0, ATTENTION_MAX);
}

/** Clients and projects in the viewer's scope (clients not archived), and the first client, for a new firm's next step. */
async function startOf(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<StaffHomeDTO['start']> {
  const u = ctx.viewer.user;
  const clients = () => deps.db.selectFrom('clients as c').where(sql<SqlBool>`${stateSql.notArchived('c')} and ${reachesSql(u, 'c.id')}`);
  const [count, first, projects] = await Promise.all([
    clients()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    clients().select(['c.id', 'c.name']).orderBy('c.created_at').orderBy('c.id').limit(1).executeTakeFirst(),
    clients()
      .innerJoin('projects as p', 'p.client_id', 'c.id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { clients: Number(count.n), projects: Number(projects.n), firstClient: first ? { id: first.id, name: first.name } : null };
}
