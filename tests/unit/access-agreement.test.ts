import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SelectQueryBuilder } from 'kysely';
import { openDatabase, type Db } from '../../db/client.js';
import type { Database, UserRow } from '../../db/schema.js';
import { migrateToLatest } from '../../db/migrate.js';
import { sees, seesSql, termsOf, type ClientScope, type Reachable, type RefsOf, type StateOf } from '../../server/policies/access.js';
import { scopesOf } from '../../server/repositories/staff-scope.js';
import { tempDir } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff } from '../support/factories.js';
import { buildEvidenceRow, buildFinding, buildProject, buildReportRow } from '../support/workspace.js';
import { insertCommentRow } from '../support/comments.js';

/**
 * The access rules and their SQL twin agree row for row (issue 12, point 2): every combination of
 * client state (portal on/off × archived or not × module switches, damaged ones included × shown
 * fields) and resource state (published, shared, client copy, internal), judged for staff (analyst
 * and admin), an inactive person and each client's own users in every portal role — who see their
 * own client's rows and must see no other client's — once by `sees` on loaded rows and once by a
 * query filtered with `seesSql`. (Roles decide actions, in `policies/index.ts`, not visibility: the
 * test proves no role sees more. Staff scope does not exist yet; see the issue.)
 */

const MODULE_SETTINGS = [
  '{}',
  '{"findings":false}',
  '{"reports":false}',
  '{"chat":false}',
  '{"projects":false}',
  '{"findings":0,"reports":null}',
  '[false]',
  'not json',
  '{"findings":true,"chat":false,"reports":false,"projects":false}',
];
const FIELD_SETTINGS = ['{}', '{"evidence":false}', '{"evidence":"no"}', '{broken'];

let db: Db;
let close: () => void;
const people: { label: string; person: Pick<UserRow, 'kind' | 'client_id' | 'status' | 'role'> & { scope: ClientScope } }[] = [];
/** The clients the scoped analyst reaches (assigned to some, on a project team of another). */
let scopedClients: string[] = [];

beforeAll(async () => {
  const opened = openDatabase(path.join(tempDir('debrief-access-'), 'test.db'));
  db = opened.db;
  close = () => opened.sqlite.close();
  await migrateToLatest(db);
  const staffRow = await buildStaff(db);
  const author = staffRow;
  const ALL = { analysts_see_all_clients: 1 };
  const SCOPED = { analysts_see_all_clients: 0 };
  const [staff] = await scopesOf(db, [staffRow], ALL);
  people.push({ label: 'staff', person: staff! });
  // An admin sees every client even where the firm scopes analysts.
  people.push({ label: 'admin', person: (await scopesOf(db, [await buildStaff(db, { role: 'admin' })], SCOPED))[0]! });
  people.push({ label: 'removed staff', person: { ...staff!, status: 'removed' } });
  const scopedRow = await buildStaff(db);
  const unassignedRow = await buildStaff(db);
  const clientsMade: string[] = [];
  for (const portal_enabled of [1, 0])
    for (const archived_at of [null, 1_700_000_000_000])
      for (const modules of MODULE_SETTINGS)
        for (const visible_fields of FIELD_SETTINGS) {
          const client = await buildClient(db, { portal_enabled, archived_at, modules, visible_fields });
          clientsMade.push(client.id);
          for (const role of ['viewer', 'collaborator', 'manager'] as const) {
            const user = await buildPortalUser(db, { client_id: client.id, role });
            people.push({
              label: `${role} of ${JSON.stringify({ portal_enabled, archived_at, modules, visible_fields })}`,
              person: { ...user, scope: [client.id] },
            });
          }
          const project = await buildProject(db, { client_id: client.id });
          for (const published of [false, true]) {
            const f = await buildFinding(db, { project_id: project.id, published });
            await buildReportRow(db, project.id, { published: published ? 1 : 0 });
            for (const shared of [0, 1]) for (const client_file of [null, '', `${randomUUID()}.bin`]) await buildEvidenceRow(db, f.id, { shared, client_file });
            for (const internal of [false, true]) await insertCommentRow(db, f, author, { internal });
          }
        }
  // The scoped analyst: assigned to every third client, and on a project team of one more.
  for (const [i, id] of clientsMade.entries())
    if (i % 3 === 0) await db.insertInto('client_staff').values({ client_id: id, user_id: scopedRow.id, assigned_by: null, created_at: 1 }).execute();
  const teamProject = await buildProject(db, { client_id: clientsMade[1]! });
  await db.insertInto('project_team').values({ project_id: teamProject.id, user_id: scopedRow.id }).execute();
  const [scoped, unassigned] = await scopesOf(db, [scopedRow, unassignedRow], SCOPED);
  scopedClients = [...(scoped!.scope as string[])];
  people.push({ label: 'scoped analyst', person: scoped! });
  people.push({ label: 'scoped analyst with no client', person: unassigned! });
  // One invited (not yet active) portal user: sees nothing, whatever the state.
  const anyClient = people.find((p) => p.person.kind === 'portal')!.person.client_id!;
  const invited = await buildPortalUser(db, { client_id: anyClient, status: 'invited' });
  people.push({ label: 'invited user', person: { ...invited, scope: [anyClient] } });
}, 120_000);

afterAll(() => close?.());

/** Every row of a kind with the state its rule reads, and the same query narrowed by a filter. */
const QUERIES: Record<Reachable, { refs: RefsOf[Reachable]; rows: () => SelectQueryBuilder<Database, any, { id: string } & Record<string, unknown>> }> = {
  client: { refs: { clients: 'c' }, rows: () => clientRows() },
  chat: { refs: { clients: 'c' }, rows: () => clientRows() },
  project: { refs: { clients: 'c' }, rows: () => clientRows() },
  finding: {
    refs: { clients: 'c', findings: 'f' },
    rows: () =>
      db
        .selectFrom('findings as f')
        .innerJoin('clients as c', 'c.id', 'f.client_id')
        .select(['f.id', 'f.client_id', 'f.published', ...CLIENT_COLS]) as any,
  },
  report: {
    refs: { clients: 'c', reports: 'r' },
    rows: () =>
      db
        .selectFrom('reports as r')
        .innerJoin('clients as c', 'c.id', 'r.client_id')
        .select(['r.id', 'r.client_id', 'r.published', ...CLIENT_COLS]) as any,
  },
  evidence: {
    refs: { clients: 'c', findings: 'f', evidence: 'e' },
    rows: () =>
      db
        .selectFrom('evidence as e')
        .innerJoin('findings as f', 'f.id', 'e.finding_id')
        .innerJoin('clients as c', 'c.id', 'f.client_id')
        .select(['e.id', 'f.client_id', 'f.published', 'e.shared', 'e.client_file', 'c.visible_fields', ...CLIENT_COLS]) as any,
  },
  comment: {
    refs: { clients: 'c', findings: 'f', comments: 'm' },
    rows: () =>
      db
        .selectFrom('comments as m')
        .innerJoin('findings as f', 'f.id', 'm.finding_id')
        .innerJoin('clients as c', 'c.id', 'f.client_id')
        .select(['m.id', 'f.client_id', 'f.published', 'm.internal', ...CLIENT_COLS]) as any,
  },
};
const CLIENT_COLS = ['c.portal_enabled', 'c.archived_at', 'c.modules'] as const;
const clientRows = () => db.selectFrom('clients as c').select(['c.id', ...CLIENT_COLS]) as any;

describe('the access rules and their SQL filters agree', () => {
  for (const kind of Object.keys(QUERIES) as Reachable[]) {
    it(`${kind}: for every person, the rows the SQL filter returns are exactly the rows the rule allows (${termsOf(kind).join(', ')})`, async () => {
      const q = QUERIES[kind];
      const all = (await q.rows().execute()) as unknown as (StateOf[typeof kind] & { id: string; client_id?: string })[];
      const clientOf = (r: { id: string; client_id?: string }) => r.client_id ?? r.id;
      expect(all.length).toBeGreaterThan(50);
      let seenSomewhere = 0;
      let refusedSomewhere = 0;
      for (const { label, person } of people) {
        const bySql = (
          await q
            .rows()
            .where(seesSql(person, kind, q.refs as never))
            .execute()
        )
          .map((r) => r.id as string)
          .sort();
        const byRule = all
          .filter((r) => sees(person, kind, r))
          .map((r) => r.id)
          .sort();
        expect(bySql, `${kind} for ${label}`).toEqual(byRule);
        if (person.kind === 'portal') {
          // Never another client's row, whatever the state.
          expect(
            all.filter((r) => byRule.includes(r.id) && clientOf(r) !== person.client_id),
            `${kind} for ${label}`,
          ).toEqual([]);
          if (byRule.length) seenSomewhere++;
          if (byRule.length < all.filter((r) => clientOf(r) === person.client_id).length) refusedSomewhere++;
        }
      }
      // The combinations are not vacuous: some users see rows of this kind and some are refused some.
      expect(seenSomewhere).toBeGreaterThan(0);
      expect(refusedSomewhere).toBeGreaterThan(0);
    });
  }

  it('a scoped analyst sees every row of exactly the clients they are assigned to or on a team of, and one with none sees nothing', async () => {
    const scoped = people.find((p) => p.label === 'scoped analyst')!.person;
    const none = people.find((p) => p.label === 'scoped analyst with no client')!.person;
    expect(scopedClients.length).toBeGreaterThan(5);
    for (const kind of Object.keys(QUERIES) as Reachable[]) {
      const q = QUERIES[kind];
      const all = (await q.rows().execute()) as { id: string; client_id?: string }[];
      const inScope = all
        .filter((r) => scopedClients.includes(r.client_id ?? r.id))
        .map((r) => r.id)
        .sort();
      expect(inScope.length, kind).toBeGreaterThan(0);
      expect(inScope.length, kind).toBeLessThan(all.length);
      expect(
        (
          await q
            .rows()
            .where(seesSql(scoped, kind, q.refs as never))
            .execute()
        )
          .map((r: { id: string }) => r.id)
          .sort(),
        kind,
      ).toEqual(inScope);
      expect(
        await q
          .rows()
          .where(seesSql(none, kind, q.refs as never))
          .execute(),
        kind,
      ).toEqual([]);
    }
  });

  it('staff see every row and a person who is not active sees none', async () => {
    const staff = people.find((p) => p.label === 'staff')!.person;
    for (const kind of Object.keys(QUERIES) as Reachable[]) {
      const q = QUERIES[kind];
      const all = await q.rows().execute();
      expect(
        (
          await q
            .rows()
            .where(seesSql(staff, kind, q.refs as never))
            .execute()
        ).length,
      ).toBe(all.length);
      for (const label of ['removed staff', 'invited user']) {
        const p = people.find((x) => x.label === label)!.person;
        expect(
          await q
            .rows()
            .where(seesSql(p, kind, q.refs as never))
            .execute(),
        ).toEqual([]);
        expect(all.filter((r) => sees(p, kind, r as never))).toEqual([]);
      }
    }
  });
});
