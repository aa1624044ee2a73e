import type { ClientRow, FindingRow, ProjectRow, UserRow } from '../../db/schema.js';
import type { TestApp } from './app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from './factories.js';
import type { Agent } from './http.js';
import { buildFinding, buildProject } from './workspace.js';

/**
 * Remediation test helpers: a firm with a project team, client A's Viewer, Collaborator and two
 * Managers, client B's Manager, published findings (published at the app's clock, so due dates
 * follow app.clock.advance), and a snapshot of every remediation-related table.
 */

export interface RemediationWorld {
  admin: UserRow;
  analyst: UserRow;
  /** Staff not on the project's team (must not be told about A's submissions). */
  outsider: UserRow;
  clientA: ClientRow;
  clientB: ClientRow;
  project: ProjectRow;
  managerA: UserRow;
  manager2A: UserRow;
  collaboratorA: UserRow;
  viewerA: UserRow;
  managerB: UserRow;
  as: Record<'admin' | 'analyst' | 'outsider' | 'managerA' | 'manager2A' | 'collaboratorA' | 'viewerA' | 'managerB', Agent>;
  /** Sign everyone in again (after app.clock.advance has outlived their sessions). */
  refresh(): Promise<void>;
}

let n = 0;

/** A fresh world (new clients and people; the firm row is shared by the app). */
export async function remediationWorld(app: TestApp): Promise<RemediationWorld> {
  const tag = `${++n}${Date.now().toString(36)}`;
  const admin = await buildStaff(app.db, { role: 'admin', name: `Ada Admin ${tag}` });
  const analyst = await buildStaff(app.db, { role: 'analyst', name: `Ana Analyst ${tag}` });
  const outsider = await buildStaff(app.db, { role: 'analyst', name: `Otto Outsider ${tag}` });
  const clientA = await buildClient(app.db, { name: `Contoso ${tag}` });
  const clientB = await buildClient(app.db, { name: `Globex ${tag}` });
  const project = await buildProject(app.db, { client_id: clientA.id, name: `External test ${tag}`, team: [analyst.id] });
  const portal = (client: ClientRow, role: 'viewer' | 'collaborator' | 'manager', name: string) =>
    buildPortalUser(app.db, { client_id: client.id, role, name: `${name} ${tag}` });
  const managerA = await portal(clientA, 'manager', 'Mia Manager');
  const manager2A = await portal(clientA, 'manager', 'Max Manager');
  const collaboratorA = await portal(clientA, 'collaborator', 'Cole Collaborator');
  const viewerA = await portal(clientA, 'viewer', 'Vic Viewer');
  const managerB = await portal(clientB, 'manager', 'Bea B-Manager');
  const people = { admin, analyst, outsider, managerA, manager2A, collaboratorA, viewerA, managerB };
  const signAll = async () =>
    Object.fromEntries(await Promise.all(Object.entries(people).map(async ([k, u]) => [k, await signIn(app, u)]))) as RemediationWorld['as'];
  const world: RemediationWorld = { ...people, clientA, clientB, project, as: await signAll(), refresh: async () => void (world.as = await signAll()) };
  return world;
}

/** A published finding of the project, published "now" on the app's clock. */
export function publishedFinding(app: TestApp, project: ProjectRow, over: Partial<FindingRow> = {}): Promise<FindingRow> {
  return buildFinding(app.db, { project_id: project.id, published: true, published_at: app.clock(), severity: 'high', ...over });
}

/** Every row of the tables a remediation change touches, as one string (for "nothing changed"). */
export async function remediationSnapshot(app: TestApp): Promise<string> {
  const db = app.db;
  const [findings, history, rounds, retests, links, attachments, notifications, events] = await Promise.all([
    db.selectFrom('findings').select(['id', 'status', 'due_paused_ms', 'due_paused_at', 'updated_at']).orderBy('id').execute(),
    db.selectFrom('finding_status_history').selectAll().orderBy('id').execute(),
    db.selectFrom('remediation_rounds').selectAll().orderBy('id').execute(),
    db.selectFrom('retest_requests').selectAll().orderBy('id').execute(),
    db.selectFrom('retest_request_findings').selectAll().orderBy('request_id').orderBy('finding_id').execute(),
    db.selectFrom('attachments').selectAll().orderBy('id').execute(),
    db.selectFrom('notifications').select(['id']).orderBy('id').execute(),
    db.selectFrom('client_events').select(['position']).orderBy('position').execute(),
  ]);
  const firm = await db.selectFrom('firm').select('remediation_days').execute();
  return JSON.stringify({ findings, history, rounds, retests, links, attachments, notifications, events, firm });
}

/** Notification rows of a user, oldest first. */
export function notificationsOf(app: TestApp, userId: string) {
  return app.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}

/** Upload an evidence file for a finding's submission or verdict (raw body, like the browser does). */
export async function uploadRemediationFile(app: TestApp, agent: Agent | null, findingId: string, bytes: Buffer, name: string, contentType = 'image/png') {
  const headers: Record<string, string> = { origin: app.url, 'content-type': contentType };
  if (agent?.cookie) headers.cookie = agent.cookie;
  const res = await fetch(`${app.url}/api/findings/${findingId}/remediation/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers,
    body: Uint8Array.from(bytes),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, text };
}
