import { sql, type Expression, type SqlBool } from 'kysely';
import type { UserRow } from '../../db/schema.js';
import { MODULES, type Module } from '../contracts/workspace.js';
import { AppError, notFound, refusal } from '../errors.js';
import type { HideKey } from '../visibility/fields.js';

/**
 * THE answer to "may this person see this finding, report, evidence item, comment or chat channel
 * right now?", from the resource's *state* — the one home of every such condition. Roles and
 * actions are `policies/index.ts`; this file decides what exists for a viewer.
 *
 * Staff: every resource of a client within their scope (`ClientScope`: admins every client; an
 * analyst every client while the firm lets analysts see every client, else only the clients they
 * are assigned to or on a project team of). A client's own people (portal users): a resource of their own client only,
 * while its portal is on and the client is not archived, with the resource's module switched on,
 * and then per kind: a published finding or report; evidence that is shared with a client copy,
 * on a published finding, while the client shows the Evidence field; a comment that is not an
 * internal note, on a published finding. A person who is not active sees nothing.
 *
 * Each rule is a list of terms, and each term is written twice, side by side: as a predicate on a
 * loaded row, and as its SQL twin for lists. `tests/unit/access-agreement.test.ts` proves, over
 * every combination of state × audience × own/other client, that the two agree row for row, and
 * `tests/unit/access-one-home.test.ts` fails when a condition is stated anywhere else.
 *
 * Refusals: a module switched off is 403 `module_disabled` (it tells the person nothing they
 * don't know: it is their own organisation's setting); everything else is 404, exactly like an id
 * that does not exist.
 */

/** The client state every portal rule reads (joined from `clients`), with the resource's client id. */
export interface ClientState {
  client_id: string;
  portal_enabled: number;
  archived_at: number | null;
  modules: string;
}
/** A `clients` row itself, judged as its own state. */
export type ClientRecord = Omit<ClientState, 'client_id'> & { id: string };
export type FindingState = ClientState & { published: number };
type ReportState = FindingState;
type EvidenceState = FindingState & { visible_fields: string; shared: number; client_file: string | null };
type CommentState = FindingState & { internal: number };

/** What each kind of resource needs loaded to be judged. */
export interface StateOf {
  /** The client itself: its portal (sessions, the dashboard, the member list). */
  client: ClientRecord;
  chat: ClientRecord;
  /** The client's Projects pages. */
  project: ClientRecord;
  finding: FindingState;
  report: ReportState;
  evidence: EvidenceState;
  comment: CommentState;
}
export type Reachable = keyof StateOf;

/**
 * Where a query holds each table a rule reads (its name or alias). `clients` must be the row's
 * client, joined on the resource's `client_id`.
 */
export interface RefsOf {
  client: { clients: string };
  chat: { clients: string };
  project: { clients: string };
  finding: { clients: string; findings: string };
  report: { clients: string; reports: string };
  evidence: { clients: string; findings: string; evidence: string };
  comment: { clients: string; findings: string; comments: string };
}

type Refs = Partial<{ clients: string; findings: string; reports: string; evidence: string; comments: string }>;
type AnyState = ClientState & Partial<Omit<EvidenceState & CommentState, keyof ClientState>>;

interface Term {
  /** For the one-home scan and for readers. */
  name: string;
  /** What a refusal by this term is: 404, or the module that is off (403 module_disabled). */
  refusal: 'not_found' | Module;
  row: (r: AnyState, person: Person) => boolean;
  sql: (t: Required<Refs>, person: Person) => Expression<SqlBool>;
}

const col = (table: string, column: string) => sql.ref(`${table}.${column}`);

/**
 * A JSON switch map (`clients.modules`, `clients.visible_fields`): every key on unless stored as
 * `false`; a damaged value switches nothing off. The SQL reads it the same way (`json_type` is
 * 'false' only for a stored false; `json_valid` keeps a damaged value from failing the query) —
 * SQLite's JSON functions, which PostgreSQL's baseline defines alike (db/migrations-pg).
 */
export function switchOn(json: string, key: string): boolean {
  const parsed = switchMap(json);
  return !(
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.hasOwn(parsed, key) &&
    (parsed as Record<string, unknown>)[key] === false
  );
}
/**
 * A switch map parsed (undefined when damaged). The last one is kept: a list or a catch-up judges
 * hundreds of rows of one client, each against the same stored text. Only ever read.
 */
let lastMap: { json: string; parsed: unknown } | null = null;
function switchMap(json: string): unknown {
  if (lastMap?.json !== json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      parsed = undefined;
    }
    lastMap = { json, parsed };
  }
  return lastMap.parsed;
}
const switchOnSql = (column: ReturnType<typeof col>, key: string) =>
  sql<SqlBool>`(case when json_valid(${column}) then coalesce(json_type(${column}, ${'$.' + key}), '') <> 'false' else true end)`;

/**
 * The clients a person reaches: 'all' (admins; every analyst while the firm lets analysts see every
 * client) or a list (a scoped analyst's assigned and project-team clients; a portal user's own
 * client). Loaded with the viewer (`repositories/staff-scope.ts`).
 */
export type ClientScope = 'all' | readonly string[];

/** Whoever is judged: a person (their status, when passed, must be active) and, for staff, their scope. */
export type Person = Pick<UserRow, 'kind' | 'client_id'> & Partial<Pick<UserRow, 'status'>> & { scope?: ClientScope };

/**
 * Whether `person` may reach anything of this client at all: a portal user their own client only; a
 * staff member a client in their scope. Staff with no scope loaded reach nothing (fail closed).
 */
export function reaches(person: Person, clientId: string): boolean {
  if (person.kind !== 'staff') return person.client_id !== null && person.client_id === clientId;
  return person.scope === 'all' || (person.scope?.includes(clientId) ?? false);
}

/** The SQL twin of `reaches`, on the column holding the row's client id. */
export function reachesSql(person: Person, clientIdColumn: string): Expression<SqlBool> {
  const column = sql.ref(clientIdColumn);
  if (person.kind !== 'staff') return person.client_id ? sql<SqlBool>`${column} = ${person.client_id}` : sql<SqlBool>`1 = 0`;
  if (person.scope === 'all') return sql<SqlBool>`1 = 1`;
  if (!person.scope?.length) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`${column} in (${sql.join(person.scope)})`;
}

/** Admins see every client; analysts too unless the firm scopes them (`firm.analysts_see_all_clients`). */
export function seesEveryClient(user: Pick<UserRow, 'kind' | 'role'>, firm: { analysts_see_all_clients: number } | undefined): boolean {
  return user.kind === 'staff' && (user.role === 'admin' || analystsSeeAll(firm));
}

/** The firm's setting: analysts see every client (on unless switched off; on before setup). */
export const analystsSeeAll = (firm: { analysts_see_all_clients: number } | undefined): boolean => (firm?.analysts_see_all_clients ?? 1) === 1;

const ownClient: Term = {
  name: 'own client (staff: a client in their scope)',
  refusal: 'not_found',
  row: (r, person) => reaches(person, r.client_id),
  sql: (t, person) => reachesSql(person, `${t.clients}.id`),
};
const portalOpen: Term = {
  name: 'portal on and client not archived',
  refusal: 'not_found',
  row: (r) => r.portal_enabled === 1 && r.archived_at === null,
  sql: (t) => sql<SqlBool>`(${col(t.clients, 'portal_enabled')} = 1 and ${col(t.clients, 'archived_at')} is null)`,
};
const moduleOn = (m: Module): Term => ({
  name: `${m} module on`,
  refusal: m,
  row: (r) => switchOn(r.modules, m),
  sql: (t) => switchOnSql(col(t.clients, 'modules'), m),
});
const published = (table: 'findings' | 'reports'): Term => ({
  name: `${table === 'findings' ? 'finding' : 'report'} published`,
  refusal: 'not_found',
  row: (r) => r.published === 1,
  sql: (t) => sql<SqlBool>`${col(t[table], 'published')} = 1`,
});
const evidenceShown: Term = {
  name: 'client shows the Evidence field',
  refusal: 'not_found',
  row: (r) => switchOn(r.visible_fields ?? '{}', 'evidence' satisfies HideKey),
  sql: (t) => switchOnSql(col(t.clients, 'visible_fields'), 'evidence'),
};
const sharedCopy: Term = {
  name: 'evidence shared with a client copy',
  refusal: 'not_found',
  row: (r) => r.shared === 1 && typeof r.client_file === 'string' && r.client_file !== '',
  sql: (t) => sql<SqlBool>`(${col(t.evidence, 'shared')} = 1 and coalesce(${col(t.evidence, 'client_file')}, '') <> '')`,
};
const notInternal: Term = {
  name: 'comment not an internal note',
  refusal: 'not_found',
  row: (r) => r.internal !== 1,
  sql: (t) => sql<SqlBool>`${col(t.comments, 'internal')} <> 1`,
};

const open = [ownClient, portalOpen];
const finding = [...open, moduleOn('findings'), published('findings')];

/** The rules: a portal user reaches a resource when every term holds, checked in this order. */
const RULES: Record<Reachable, readonly Term[]> = {
  client: open,
  chat: [...open, moduleOn('chat')],
  project: [...open, moduleOn('projects')],
  finding,
  report: [...open, moduleOn('reports'), published('reports')],
  evidence: [...finding, evidenceShown, sharedCopy],
  comment: [...finding, notInternal],
};

/** The terms of a rule, for the agreement test and readers. */
export const termsOf = (kind: Reachable): readonly string[] => RULES[kind].map((t) => t.name);

/** The first of `terms` that refuses `person` this row, or null when they may see it. */
function firstRefusal(person: Person, terms: readonly Term[], row: AnyState): Term | null {
  if (person.status !== undefined && person.status !== 'active') return ownClient;
  // Staff see every state of what is in their scope (drafts, internal notes, switched-off modules).
  if (person.kind === 'staff') return ownClient.row(row, person) ? null : ownClient;
  return terms.find((t) => !t.row(row, person)) ?? null;
}
const CLIENT_RECORDS: ReadonlySet<Reachable> = new Set(['client', 'chat', 'project']);
/** The row as the terms read it: a client record is its own client. */
const stateOf = (kind: Reachable, row: StateOf[Reachable]): AnyState =>
  CLIENT_RECORDS.has(kind) ? { ...(row as ClientRecord), client_id: (row as ClientRecord).id } : (row as AnyState);
const refusalOf = <K extends Reachable>(person: Person, kind: K, row: StateOf[K]) => firstRefusal(person, RULES[kind], stateOf(kind, row));

function throwRefusal(refused: Term | null): void {
  if (refused) throw refusal(refused.refusal === 'not_found' ? notFound() : moduleDisabled(refused.refusal));
}

/** Whether `person` may see this resource now (a person passed with a status must be active). */
export function sees<K extends Reachable>(person: Person, kind: K, row: StateOf[K]): boolean {
  return refusalOf(person, kind, row) === null;
}

/** Whether the client's own people, as a whole, may see this resource now (for announcements). */
export function clientSees<K extends Reachable>(kind: K, row: StateOf[K]): boolean {
  return sees({ kind: 'portal', client_id: stateOf(kind, row).client_id }, kind, row);
}

const MODULE_LABELS: Record<Module, string> = { projects: 'Projects', findings: 'Findings', reports: 'Reports', chat: 'Chat', activity: 'Activity' };

/** The refusal for a module switched off: 403 with a message people understand. */
function moduleDisabled(module: Module): AppError {
  return new AppError(
    403,
    'module_disabled',
    `The ${MODULE_LABELS[module]} module is not enabled for your organisation. Contact your provider to turn it on.`,
    { module },
  );
}

/** Like `sees`, but throws: 403 `module_disabled` for a module switched off, else 404. */
export function requireSees<K extends Reachable, R extends StateOf[K]>(person: Person, kind: K, row: R | undefined): R {
  if (!row) throw notFound();
  throwRefusal(refusalOf(person, kind, row));
  return row;
}

/**
 * A portal user's own client, judged before anything else is looked up (for a page or list of a
 * module): 404 when the portal is closed to them, 403 `module_disabled` when `module` is off.
 * Staff pass (a client named must be in their scope, else 404).
 */
export function requireClientModule(person: Person, client: ClientRecord | undefined, module: Module): void {
  if (person.kind === 'staff' && !client) return;
  if (!client) throw notFound();
  throwRefusal(firstRefusal(person, [...open, moduleOn(module)], stateOf('client', client)));
}

/** Whether `person` may open `module` of this client now (staff: any existing client in their scope). */
export function seesModule(person: Person, client: ClientRecord | undefined, module: Module): boolean {
  return client !== undefined && firstRefusal(person, [...open, moduleOn(module)], stateOf('client', client)) === null;
}

/**
 * A resource row judged with its client's state (the client loaded separately, typically the
 * viewer's own): the row keeps its own `client_id`, so another client's row still fails the
 * own-client term first.
 */
export function atClient<R extends { client_id: string }>(
  client: ClientRecord & { visible_fields?: string },
  row: R,
): R & ClientState & { visible_fields: string } {
  return {
    portal_enabled: client.portal_enabled,
    archived_at: client.archived_at,
    modules: client.modules,
    visible_fields: client.visible_fields ?? '{}',
    ...row,
  };
}

/**
 * State filters for staff views that are not about access (staff may see everything): e.g. the
 * remediation dashboard counts published findings of clients that are not archived. Kept here
 * so every condition on these columns has one home.
 */
export const stateSql = {
  published: (table: string) => sql<SqlBool>`${col(table, 'published')} = 1`,
  draft: (table: string) => sql<SqlBool>`${col(table, 'published')} = 0`,
  notArchived: (clients: string) => sql<SqlBool>`${col(clients, 'archived_at')} is null`,
  /**
   * The same rule by the client's id, without joining the clients: the (few) archived clients are
   * read once per query, so counting a firm's years of findings does not look up each one's client.
   */
  ofClientNotArchived: (table: string) => sql<SqlBool>`${col(table, 'client_id')} not in (select id from clients where archived_at is not null)`,
};

/** `requireSees` for a row judged with its client loaded separately (no client: 404). */
export function requireSeesAt<K extends Exclude<Reachable, 'client' | 'chat' | 'project'>, R extends { client_id: string }>(
  person: Person,
  kind: K,
  client: (ClientRecord & { visible_fields?: string }) | undefined,
  row: R,
): R {
  requireSees(person, kind, client ? (atClient(client, row) as unknown as StateOf[K]) : undefined);
  return row;
}

/** Whether a finding or report is published (for the commands' own state rules, e.g. no deleting it). */
export const isPublished = (r: { published: number | boolean }): boolean => r.published === 1 || r.published === true;

/** Whether a comment is an internal note (staff only). */
export const isInternal = (c: { internal: number }): boolean => c.internal === 1;

/** Whether staff chose to share an evidence item with the client (it also needs a client copy). */
export const isShared = (e: { shared: number }): boolean => e.shared === 1;

/** Whether a client's portal is switched on (the setting itself; access also needs the client not archived). */
export const isPortalOn = (c: { portal_enabled: number }): boolean => c.portal_enabled === 1;

/** Whether a client is archived: its data is then read-only for everyone (each command words its refusal). */
export const isArchived = (c: { archived_at: number | null }): boolean => c.archived_at !== null;

/** Which modules a client's people may open (every one on unless switched off). */
export function modulesOf(client: { modules: string }): Record<Module, boolean> {
  return Object.fromEntries(MODULES.map((m) => [m, switchOn(client.modules, m)])) as Record<Module, boolean>;
}

/**
 * The SQL twin of `sees`: a filter for a list query, built from the same terms. The query must
 * join the row's client as `refs.clients`.
 */
export function seesSql<K extends Reachable>(person: Person, kind: K, refs: RefsOf[K]): Expression<SqlBool> {
  if (person.status !== undefined && person.status !== 'active') return sql<SqlBool>`1 = 0`;
  const terms = (person.kind === 'staff' ? [ownClient] : RULES[kind]).map((t) => t.sql(refs as Required<Refs>, person));
  return sql<SqlBool>`(${sql.join(terms, sql` and `)})`;
}
