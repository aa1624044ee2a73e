import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../../db/client.js';
import type { ClientRow, EvidenceTable, FindingRow, FindingStatus, FindingTable, ProjectRow, ProjectTable, ReportTable } from '../../db/schema.js';
import type { Module } from '../../server/contracts/workspace.js';
import type { HideKey } from '../../server/visibility/fields.js';
import { buildClient, buildFirm } from './factories.js';

/**
 * Workspace factories: projects, findings (with status history), evidence and report rows,
 * and the client's portal configuration. Each creates its parents on demand, so a test can ask
 * for `buildFinding(db, { published: true })` and get a client and a project with it.
 */

let seq = 0;
const next = () => `${Date.now().toString(36)}${(++seq).toString(36)}`;

export type ProjectOverrides = Partial<Insertable<ProjectTable>> & {
  /** Staff user ids put on the project's team. */
  team?: string[];
};

/** A project of a client (a new client when `client_id` is not given). */
export async function buildProject(db: Db, overrides: ProjectOverrides = {}): Promise<ProjectRow> {
  await buildFirm(db);
  const { team = [], ...row } = overrides;
  const clientId = row.client_id ?? (await buildClient(db)).id;
  const now = Date.now();
  const id = row.id ?? randomUUID();
  await db
    .insertInto('projects')
    .values({
      id,
      client_id: clientId,
      name: `Project ${next()}`,
      status: 'active',
      start_date: null,
      end_date: null,
      created_by: null,
      created_at: now,
      updated_at: now,
      ...row,
    })
    .execute();
  if (team.length)
    await db
      .insertInto('project_team')
      .values(team.map((user_id) => ({ project_id: id, user_id })))
      .execute();
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export type FindingOverrides = Omit<Partial<Insertable<FindingTable>>, 'published'> & {
  /** true = published now (published_at set, and an 'open' status history row written). */
  published?: boolean | number;
  references?: string[];
  affectedAssets?: string[];
};

/**
 * A finding (a draft unless `published: true`). Without `project_id` a project is made (for
 * `client_id` when given); `client_id` always follows the project, as the server does.
 */
export async function buildFinding(db: Db, overrides: FindingOverrides = {}): Promise<FindingRow> {
  const { published, references, affectedAssets, ...row } = overrides;
  const project = row.project_id
    ? await db.selectFrom('projects').selectAll().where('id', '=', row.project_id).executeTakeFirstOrThrow()
    : await buildProject(db, row.client_id ? { client_id: row.client_id } : {});
  const now = Date.now();
  const id = row.id ?? randomUUID();
  const isPublished = published === true || published === 1;
  await db
    .insertInto('findings')
    .values({
      id,
      title: `Finding ${next()}`,
      severity: 'high',
      cvss_vector: null,
      cvss_version: null,
      cvss_score: null,
      published_at: isPublished ? now : null,
      created_by: null,
      created_at: now,
      updated_at: now,
      ...(references ? { references_json: JSON.stringify(references) } : {}),
      ...(affectedAssets ? { affected_assets_json: JSON.stringify(affectedAssets) } : {}),
      ...row,
      published: isPublished ? 1 : 0,
      project_id: project.id,
      client_id: project.client_id,
    })
    .execute();
  const finding = await db.selectFrom('findings').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  if (isPublished) await addStatusChange(db, finding.id, { from: null, to: finding.status, at: finding.published_at ?? now });
  return finding;
}

/** A row of a finding's status history (the finding's own status is not changed). */
export async function addStatusChange(
  db: Db,
  findingId: string,
  change: { from?: FindingStatus | null; to: FindingStatus; note?: string; actorId?: string | null; at?: number },
): Promise<void> {
  await db
    .insertInto('finding_status_history')
    .values({
      finding_id: findingId,
      client_id: (await db.selectFrom('findings').select('client_id').where('id', '=', findingId).executeTakeFirstOrThrow()).client_id,
      from_status: change.from ?? null,
      to_status: change.to,
      note: change.note ?? '',
      actor_id: change.actorId ?? null,
      at: change.at ?? Date.now(),
    })
    .execute();
}

/** An evidence row of a finding (no file on disk: for listing and visibility tests only). */
export async function buildEvidenceRow(db: Db, findingId: string, overrides: Partial<Insertable<EvidenceTable>> = {}) {
  const finding = await db.selectFrom('findings').select(['client_id']).where('id', '=', findingId).executeTakeFirstOrThrow();
  const id = overrides.id ?? randomUUID();
  await db
    .insertInto('evidence')
    .values({
      id,
      finding_id: findingId,
      client_id: finding.client_id,
      kind: 'file',
      original_file: `${id}.bin`,
      original_name: 'evidence.txt',
      mime: 'text/plain',
      size: 1,
      width: null,
      height: null,
      client_file: `${id}.bin`,
      client_thumb_file: null,
      created_by: null,
      created_at: Date.now(),
      ...overrides,
    })
    .execute();
  return db.selectFrom('evidence').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** A report row of a project (no file on disk unless the test writes `file` itself). */
export async function buildReportRow(db: Db, projectId: string, overrides: Partial<Insertable<ReportTable>> & { published?: number } = {}) {
  const project = await db.selectFrom('projects').select(['client_id']).where('id', '=', projectId).executeTakeFirstOrThrow();
  const id = overrides.id ?? randomUUID();
  const now = Date.now();
  await db
    .insertInto('reports')
    .values({
      id,
      project_id: projectId,
      client_id: project.client_id,
      title: `Report ${next()}`,
      version: 1,
      file: `${id}.pdf`,
      original_name: 'report.pdf',
      size: 1,
      sha256: '0'.repeat(64),
      published_at: overrides.published ? now : null,
      created_by: null,
      created_at: now,
      ...overrides,
    })
    .execute();
  return db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Switch a client's portal modules (merged into what is stored; unspecified ones unchanged). */
export async function setClientModules(db: Db, clientId: string, modules: Partial<Record<Module, boolean>>): Promise<ClientRow> {
  const row = await db.selectFrom('clients').select('modules').where('id', '=', clientId).executeTakeFirstOrThrow();
  const merged = { ...JSON.parse(row.modules), ...modules };
  await db
    .updateTable('clients')
    .set({ modules: JSON.stringify(merged) })
    .where('id', '=', clientId)
    .execute();
  return db.selectFrom('clients').selectAll().where('id', '=', clientId).executeTakeFirstOrThrow();
}

/** Switch which finding fields a client's users see (merged into what is stored). */
export async function setVisibleFields(db: Db, clientId: string, fields: Partial<Record<HideKey, boolean>>): Promise<ClientRow> {
  const row = await db.selectFrom('clients').select('visible_fields').where('id', '=', clientId).executeTakeFirstOrThrow();
  const merged = { ...JSON.parse(row.visible_fields), ...fields };
  await db
    .updateTable('clients')
    .set({ visible_fields: JSON.stringify(merged) })
    .where('id', '=', clientId)
    .execute();
  return db.selectFrom('clients').selectAll().where('id', '=', clientId).executeTakeFirstOrThrow();
}

/**
 * A snapshot of every table the workspace writes (and the audit log), to prove a refused
 * request changed nothing.
 */
export async function workspaceSnapshot(db: Db): Promise<string> {
  const [clients, firm, projects, team, findings, history, evidence, audit] = await Promise.all([
    db.selectFrom('clients').selectAll().orderBy('id').execute(),
    db.selectFrom('firm').selectAll().execute(),
    db.selectFrom('projects').selectAll().orderBy('id').execute(),
    db.selectFrom('project_team').selectAll().orderBy('project_id').orderBy('user_id').execute(),
    db.selectFrom('findings').selectAll().orderBy('id').execute(),
    db.selectFrom('finding_status_history').selectAll().orderBy('id').execute(),
    db.selectFrom('evidence').select(['id', 'finding_id']).orderBy('id').execute(),
    // A refusal's own record (`authz.denied`) is the one row a refused request adds.
    db.selectFrom('audit_events').select(['id', 'action']).where('action', '!=', 'authz.denied').orderBy('id').execute(),
  ]);
  return JSON.stringify({ clients, firm, projects, team, findings, history, evidence, audit });
}
