import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { dialectOf } from '../../db/client.js';
import type { Database } from '../../db/schema.js';
import type { AuditFilters } from '../contracts/audit.js';

/**
 * Reading audit_events (alias `a`): the filters as SQL, a keyset page (newest first, by time then
 * id; never OFFSET), the rows after an id (the live tail), and ascending id batches (exports). Every
 * filter has an index (db/migrations/2026-12-06T1300_audit-search.ts) and
 * tests/integration/audit-plans.test.ts checks each combination's plan on both databases.
 */

type Db = Kysely<Database>;

const DAY_MS = 86_400_000;
/** PostgreSQL's searched document, exactly as its GIN index is declared (else the index is not used). */
const PG_DOCUMENT = sql.raw(
  ['action', 'actor_email', 'target_type', 'target_id', 'ip', 'user_agent', 'details'].map((c) => `coalesce(a.${c}, '')`).join(` || ' ' || `),
);

/**
 * Free text as an FTS5 query: each word a quoted prefix phrase (`"alice@example"*`), all required.
 * Quoting makes every character literal (no operators from the user); a word without a letter or
 * digit is dropped.
 */
function ftsQuery(text: string): string | null {
  const words = text
    .split(/\s+/)
    .filter((w) => /[\p{L}\p{N}]/u.test(w))
    .slice(0, 16);
  return words.length ? words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ') : null;
}

/** The next string after every string that starts with `prefix` (`auth.` → `auth/`). */
const afterPrefix = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/** An action's group, its text up to the first dot, exactly as its index is declared (db/migrations/2026-12-06T1550_audit-pages-by-time.ts). */
const groupOf = (db: Db) => (dialectOf(db) === 'postgres' ? sql`substr(a.action, 1, strpos(a.action, '.'))` : sql`substr(a.action, 1, instr(a.action, '.'))`);

type Driver = 'search' | 'actor' | 'client' | 'action' | 'rareOutcome' | 'group' | 'outcome';

/**
 * The filter whose index a page walks, newest first: free text (its matches, by id: see
 * `pageOrderOf`), else the one that narrows most (a person, a failure or refusal, a client, an
 * exact action, a group, any outcome); with none, the time index.
 * SQLite has no statistics to choose by, so the other filters are kept off their indexes (`+a.col`,
 * SQLite's way to say "not this index"); PostgreSQL chooses from its statistics.
 */
function driverOf(f: AuditFilters): Driver | null {
  const group = f.action?.endsWith('.') && f.action.indexOf('.') === f.action.length - 1;
  const order: [Driver, boolean][] = [
    ['search', !!f.q],
    ['actor', !!f.actorId],
    ['rareOutcome', !!f.outcome && f.outcome !== 'success'],
    ['client', !!f.clientId],
    ['action', !!f.action && !f.action.endsWith('.')],
    ['group', !!group],
    ['outcome', !!f.outcome],
  ];
  return order.find(([, present]) => present)?.[0] ?? null;
}

/** The filters as conditions on `a` (an empty list when nothing is filtered). */
export function filterConditions(db: Db, f: AuditFilters): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  const driver = dialectOf(db) === 'postgres' ? null : driverOf(f);
  const off = (d: Driver | Driver[]) => sql.raw(driver === null || [d].flat().includes(driver) ? '' : '+');
  if (f.clientId) out.push(sql<SqlBool>`${off('client')}a.client_id = ${f.clientId}`);
  if (f.actorId) out.push(sql<SqlBool>`${off('actor')}a.actor_id = ${f.actorId}`);
  if (f.action?.endsWith('.')) {
    if (f.action.indexOf('.') === f.action.length - 1) out.push(sql<SqlBool>`${off('group')}${groupOf(db)} = ${f.action}`);
    else out.push(sql<SqlBool>`a.action >= ${f.action} and a.action < ${afterPrefix(f.action)}`);
  } else if (f.action) out.push(sql<SqlBool>`${off('action')}a.action = ${f.action}`);
  if (f.outcome) out.push(sql<SqlBool>`${off(['rareOutcome', 'outcome'])}a.outcome = ${f.outcome}`);
  // Dates are whole UTC days: from the start of `from` to the end of `to`.
  if (f.from) out.push(sql<SqlBool>`a.at >= ${Date.parse(`${f.from}T00:00:00Z`)}`);
  if (f.to) out.push(sql<SqlBool>`a.at < ${Date.parse(`${f.to}T00:00:00Z`) + DAY_MS}`);
  if (f.q) {
    if (dialectOf(db) === 'postgres') out.push(sql<SqlBool>`to_tsvector('simple'::regconfig, ${PG_DOCUMENT}) @@ plainto_tsquery('simple'::regconfig, ${f.q})`);
    else {
      const match = ftsQuery(f.q);
      out.push(match ? sql<SqlBool>`a.id in (select rowid from audit_events_fts where audit_events_fts match ${match})` : sql<SqlBool>`1 = 0`);
    }
  }
  return out;
}

const all = (conditions: Expression<SqlBool>[]) => (conditions.length ? sql<SqlBool>`${sql.join(conditions, sql` and `)}` : sql<SqlBool>`1 = 1`);

/** One row with the names a reader wants beside the ids (the actor's and the client's, as they are now). */
function withNames(db: Db) {
  return db
    .selectFrom('audit_events as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .leftJoin('clients as c', 'c.id', 'a.client_id')
    .selectAll('a')
    .select(['u.name as actor_name', 'c.name as client_name']);
}
export type AuditRowWithNames = Awaited<ReturnType<ReturnType<typeof withNames>['execute']>>[number];

/** Where a page continues: below the last row shown, by time and then id. */
export interface AuditPosition {
  at: number;
  id: number;
}

/**
 * How a page runs newest first: by time then id, through the driving filter's `(…, at)` index;
 * with free text, by id alone (the order the rows were written, which is their time order but for
 * clock skew of a few milliseconds), walking the search index's matches from the newest — by time,
 * a common word ("Firefox", 670,000 of 2 million rows) was a sort of every match, 3.5 s.
 */
export type PageOrder = 'time' | 'id';
export const pageOrderOf = (f: AuditFilters): PageOrder => (f.q ? 'id' : 'time');

/**
 * The statement of a page of rows below `before` (none = from the newest), newest first (its plan
 * is tested). By time, `at <= …` bounds the index walk (the first page too: one shape, always an
 * index search) and the id breaks ties; by id, the cursor's id alone.
 */
export function auditPageQuery(db: Db, where: Expression<SqlBool>[], before: AuditPosition | null, limit: number, order: PageOrder = 'time') {
  const { at, id } = before ?? { at: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
  const q = withNames(db);
  if (order === 'id')
    return q
      .where(all([...where, sql<SqlBool>`a.id < ${id}`]))
      .orderBy('a.id', 'desc')
      .limit(limit);
  return q
    .where(all([...where, sql<SqlBool>`a.at <= ${at} and (a.at < ${at} or a.id < ${id})`]))
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit);
}

/** A page of rows below `before`, newest first; `limit` rows at most. */
export async function auditPage(
  db: Db,
  where: Expression<SqlBool>[],
  before: AuditPosition | null,
  limit: number,
  order: PageOrder = 'time',
): Promise<AuditRowWithNames[]> {
  return auditPageQuery(db, where, before, limit, order).execute();
}

/** Rows above `after` up to `upTo` (ids), oldest first (the live tail's new rows). */
export async function auditAfter(db: Db, where: Expression<SqlBool>[], after: number, upTo: number, limit: number): Promise<AuditRowWithNames[]> {
  return withNames(db)
    .where(all([...where, sql<SqlBool>`a.id > ${after}`, sql<SqlBool>`a.id <= ${upTo}`]))
    .orderBy('a.id', 'asc')
    .limit(limit)
    .execute();
}

/** The newest id in the log (0 when empty). */
export async function newestAuditId(db: Db): Promise<number> {
  const r = await db
    .selectFrom('audit_events')
    .select((e) => e.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(r?.id ?? 0);
}

/** The statement of one export batch: every column as stored, ascending ids above `after` up to `upTo` (its plan is tested). */
export function auditBatchQuery(db: Db, where: Expression<SqlBool>[], after: number, upTo: number, limit: number) {
  return db
    .selectFrom('audit_events as a')
    .selectAll('a')
    .where(all([...where, sql<SqlBool>`a.id > ${after}`, sql<SqlBool>`a.id <= ${upTo}`]))
    .orderBy('a.id', 'asc')
    .limit(limit);
}

/** One batch of an export. */
export async function auditBatch(db: Db, where: Expression<SqlBool>[], after: number, upTo: number, limit: number) {
  return auditBatchQuery(db, where, after, upTo, limit).execute();
}
