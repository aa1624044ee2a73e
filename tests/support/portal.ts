import type { Db } from '../../db/client.js';
import type { ClientRow, FindingRow, FindingStatus, ProjectRow, ReportRow, Severity } from '../../db/schema.js';
import { portalRouter } from '../../server/routes/portal.js';
import type { AppDeps } from '../../server/context.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff } from './factories.js';
import { addStatusChange, buildEvidenceRow, buildFinding, buildProject, buildReportRow } from './workspace.js';
import type { Agent } from './http.js';

/** Data sets and crawling helpers for the portal's read routes. */

const MIN = 60_000;

/** Every GET route path the portal router serves (e.g. '/portal/projects/:projectId'), read from the router itself. */
export function portalGetRoutes(deps: AppDeps): string[] {
  const stack = (portalRouter(deps) as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack;
  return stack.filter((l) => l.route?.methods.get).map((l) => l.route!.path);
}

/** Fill a route's `:param`s from the ids given per param name (every combination). */
export function expandRoute(route: string, ids: Record<string, string[]>): string[] {
  const m = route.match(/:(\w+)/);
  if (!m) return [route];
  const values = ids[m[1]!];
  if (!values) throw new Error(`no ids for :${m[1]} in ${route} — add them to the crawl`);
  return values.flatMap((v) => expandRoute(route.replace(`:${m[1]}`, encodeURIComponent(v)), ids));
}

export interface CrawlPage {
  path: string;
  status: number;
  text: string;
  body: unknown;
}

/** GET every path as one agent. */
export async function crawl(agent: Agent, paths: string[]): Promise<CrawlPage[]> {
  const out: CrawlPage[] = [];
  for (const p of paths) {
    const res = await agent.get(`/api${p}`);
    out.push({ path: p, status: res.status, text: res.text, body: res.body });
  }
  return out;
}

/** Every object key anywhere in a JSON value. */
export function keysIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysIn(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysIn(v, into);
    }
  }
  return into;
}

/** The people of a client: one portal user per role. */
export async function buildClientPeople(db: Db, client: ClientRow, label: string) {
  return {
    viewer: await buildPortalUser(db, { client_id: client.id, role: 'viewer', name: `${label} Viewer` }),
    collaborator: await buildPortalUser(db, { client_id: client.id, role: 'collaborator', name: `${label} Collaborator` }),
    manager: await buildPortalUser(db, { client_id: client.id, role: 'manager', name: `${label} Manager` }),
  };
}

export interface DashboardWorld {
  client: ClientRow;
  people: Awaited<ReturnType<typeof buildClientPeople>>;
  web: ProjectRow;
  network: ProjectRow;
  cloud: ProjectRow;
  planned: ProjectRow;
  findings: Record<string, FindingRow>;
  drafts: FindingRow[];
  reports: { published: ReportRow; draft: ReportRow };
}

/**
 * A client with a known data set (times relative to `now`):
 * - projects: Web app (active, 7 published findings + 1 draft), Network (active, 2 published),
 *   Cloud (completed, only a draft), Roadmap (planned, nothing) → 2 active projects;
 * - open by severity: critical 1, high 1, medium 2, low 1, informational 0;
 * - progress: Web app 3/7 = 43 %, Network 1/2 = 50 % (Cloud and Roadmap absent);
 * - a published and a draft report on Web app.
 */
export async function buildDashboardWorld(db: Db, now: number, name = 'Contoso'): Promise<DashboardWorld> {
  await buildFirm(db);
  const client = await buildClient(db, { name });
  const people = await buildClientPeople(db, client, name);
  const staff = await buildStaff(db, { name: 'Sam Analyst' });
  const web = await buildProject(db, { client_id: client.id, name: 'Web application test', status: 'active', created_at: now - 50 * MIN });
  const network = await buildProject(db, { client_id: client.id, name: 'External network test', status: 'active', created_at: now - 40 * MIN });
  const cloud = await buildProject(db, { client_id: client.id, name: 'Cloud review', status: 'completed', created_at: now - 30 * MIN });
  const planned = await buildProject(db, { client_id: client.id, name: 'Roadmap', status: 'planned', created_at: now - 20 * MIN });

  const spec: [string, ProjectRow, Severity, FindingStatus][] = [
    ['SQL injection in search', web, 'critical', 'open'],
    ['Stored XSS in comments', web, 'high', 'not_fixed'],
    ['Session fixation', web, 'high', 'verified_fixed'],
    ['Verbose error messages', web, 'medium', 'pending_verification'],
    ['Missing HSTS header', web, 'low', 'closed'],
    ['Server banner disclosure', web, 'informational', 'risk_accepted'],
    ['Weak password policy', web, 'medium', 'partially_fixed'],
    ['Open SNMP service', network, 'low', 'open'],
    ['Outdated TLS configuration', network, 'high', 'verified_fixed'],
  ];
  const findings: Record<string, FindingRow> = {};
  let minutes = 100;
  for (const [title, project, severity, status] of spec) {
    findings[title] = await buildFinding(db, {
      project_id: project.id,
      title,
      severity,
      status,
      published: true,
      published_at: now - minutes * MIN,
      created_at: now - 200 * MIN,
      description: `About ${title}.`,
      remediation: `Fix ${title}.`,
      affectedAssets: ['app.contoso.test'],
    });
    minutes -= 5;
  }
  // Status changes made once the finding was visible, plus one made before it was published (not shown as activity).
  await addStatusChange(db, findings['Session fixation']!.id, {
    from: 'open',
    to: 'verified_fixed',
    at: now - 10 * MIN,
    actorId: staff.id,
    note: 'Retested: fixed.',
  });
  await addStatusChange(db, findings['Stored XSS in comments']!.id, { from: 'pending_verification', to: 'not_fixed', at: now - 8 * MIN, actorId: staff.id });
  await addStatusChange(db, findings['SQL injection in search']!.id, { from: 'open', to: 'open', at: now - 300 * MIN });

  const drafts = [
    await buildFinding(db, { project_id: web.id, title: 'Draft: IDOR on invoices', severity: 'critical', status: 'open' }),
    await buildFinding(db, { project_id: cloud.id, title: 'Draft: public bucket', severity: 'high', status: 'open' }),
  ];
  const reports = {
    published: await buildReportRow(db, web.id, { title: 'Web application test report', version: 2, published: 1, published_at: now - 2 * MIN }),
    draft: await buildReportRow(db, web.id, { title: 'Draft report', version: 3, published: 0 }),
  };
  return { client, people, web, network, cloud, planned, findings, drafts, reports };
}

/** Give a finding evidence: one the client may see, one not shared, one shared without a client copy. */
export async function buildEvidenceSet(db: Db, finding: FindingRow, marker: string) {
  return {
    shared: await buildEvidenceRow(db, finding.id, { shared: 1, caption: `${marker}-shared`, original_name: `${marker}-original-name.png` }),
    unshared: await buildEvidenceRow(db, finding.id, { shared: 0, caption: `${marker}-unshared` }),
    noCopy: await buildEvidenceRow(db, finding.id, { shared: 1, client_file: null, caption: `${marker}-nocopy` }),
  };
}
