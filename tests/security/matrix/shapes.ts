import type { UserRow } from '../../../db/schema.js';
import type { TestApp } from '../../support/app.js';
import type { World } from '../../support/matrix-fixtures.js';

/**
 * The vocabulary of the authorization matrix: roles, owners, expectations and the shapes the
 * rules give them. The core table is authorization-matrix.data.ts; each feature adds its own
 * table in this folder (comments.ts, chat.ts, notifications.ts, remediation.ts) and the runner
 * joins them.
 */

/**
 * Who acts: nobody, client A's Viewer / Collaborator / Manager, client B's Manager, an analyst, an
 * admin, and a scoped analyst. The matrix runs with the firm's "analysts see every client" switched
 * off: the analyst is assigned to both clients, the scoped analyst reaches client A only (through
 * A's project team), so B does not exist for them.
 */
export const ROLES = ['anonymous', 'viewerA', 'collaboratorA', 'managerA', 'userB', 'analyst', 'admin', 'scopedAnalyst'] as const;
export type Role = (typeof ROLES)[number];
/** The roles each shape states; the scoped analyst's answer is derived (`scopedExpect`) unless an entry states it. */
export type StatedRole = Exclude<Role, 'scopedAnalyst'>;
export const STATED_ROLES = ROLES.filter((r): r is StatedRole => r !== 'scopedAnalyst');
/** Whose resource the request names (for routes about the actor themselves, it does not matter). */
export type Owner = 'A' | 'B';
export const OWNERS: Owner[] = ['A', 'B'];
/** 'ok' = any 2xx; a number = exactly that status. */
export type Expect = 'ok' | number;
/** One answer per role (the scoped analyst's only where it is not the derived one). */
export type Expectations = Record<StatedRole, Expect> & { scopedAnalyst?: Expect };

/** What a request is built from: the world, whose resource it is, and who acts (null: anonymous). */
export interface Ctx {
  f: World;
  owner: Owner;
  actor: UserRow | null;
  /** Ids made by the entry's `setup` for this request (comments, messages, rounds…). */
  extra: Record<string, string>;
}

/** One row of the matrix: a route (or one case of it), how to call it, and who gets what. */
export interface MatrixEntry {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Exactly as the app declares it, e.g. '/api/clients/:clientId'. */
  path: string;
  /** When one route has several entries (e.g. evidence variants), what this one is about. */
  case?: string;
  params?: (c: Ctx) => Record<string, string>;
  query?: (c: Ctx) => Record<string, string>;
  /** A valid JSON body (validation must never be what answers). */
  body?: (c: Ctx) => unknown;
  /** A raw upload body instead of JSON. */
  raw?: { contentType: string; bytes: () => Promise<Buffer> };
  expect: (owner: Owner) => Expectations;
  /** Where a made-up id is answered differently from another client's resource, and why (see the entry). */
  madeUp?: Partial<Expectations>;
  /**
   * Rows this request needs that the shared world does not hold (a comment, a chat message…),
   * made in the request's own world before it is sent; their ids are `c.extra` for params/body.
   */
  setup?: (c: Omit<Ctx, 'extra'>, app: TestApp) => Promise<Record<string, string>>;
}

/** The account each role acts as in a world (null for anonymous). */
export function actorOf(f: World, role: Role): UserRow | null {
  const map: Record<Role, UserRow | null> = {
    anonymous: null,
    viewerA: f.A.viewer,
    collaboratorA: f.A.collaborator,
    managerA: f.A.manager,
    userB: f.B.manager,
    analyst: f.staff.analyst,
    admin: f.staff.admin,
    scopedAnalyst: f.staff.scoped,
  };
  return map[role];
}

// ── Expectation shapes ──────────────────────────────────────────────────────────────────────────

export const PORTAL_OF: Record<Owner, Role[]> = { A: ['viewerA', 'collaboratorA', 'managerA'], B: ['userB'] };
export const other = (o: Owner): Owner => (o === 'A' ? 'B' : 'A');
export const make = (base: Expect, over: Partial<Expectations>): Expectations =>
  ({
    ...Object.fromEntries(STATED_ROLES.map((r) => [r, over[r] ?? base])),
    ...(over.scopedAnalyst !== undefined ? { scopedAnalyst: over.scopedAnalyst } : {}),
  }) as Expectations;

/**
 * The scoped analyst's answer: the analyst's, except on a request that names client B's things
 * (its URL or body differs between the owners, or it needs rows made for the owner), where what
 * the analyst may do does not exist for them: 404. A refusal the analyst gets (403: a route staff
 * may never use, a role that may not) stays unless the entry states otherwise.
 */
export function scopedExpect(ex: Expectations, owner: Owner, namesOwner: boolean): Expect {
  if (ex.scopedAnalyst !== undefined) return ex.scopedAnalyst;
  return owner === 'B' && namesOwner && ex.analyst === 'ok' ? 404 : ex.analyst;
}
export const portal = (o: Owner, e: Expect) => Object.fromEntries(PORTAL_OF[o].map((r) => [r, e])) as Partial<Expectations>;

/** The same answer for everyone (public routes). */
export const everyone = (e: Expect) => () => make(e, { scopedAnalyst: e });
/** Any signed-in account; anonymous 401. */
export const signedIn =
  (over: Partial<Expectations> = {}) =>
  () =>
    make('ok', { anonymous: 401, ...over });
/** Firm-wide staff collections: portal users 403 (refused before any lookup). */
export const staffOnly = () => make('ok', { anonymous: 401, ...portal('A', 403), ...portal('B', 403) });
/** Firm settings and staff accounts: admins only. */
export const adminOnly = () => make('ok', { anonymous: 401, ...portal('A', 403), ...portal('B', 403), analyst: 403 });
/** A staff-only view of client data (client records, drafts, internal notes): 404 to every portal user. */
export const staffView = () => make('ok', { anonymous: 401, ...portal('A', 404), ...portal('B', 404) });
/** A change to a client's visible resource: its own people 403 (role may not), the other client's 404. */
export const staffWrite = (o: Owner) => make('ok', { anonymous: 401, ...portal(o, 403), ...portal(other(o), 404) });
/** Readable by staff and by the owning client's people; 404 to the other client's. */
export const sharedRead = (o: Owner) => make('ok', { anonymous: 401, ...portal(other(o), 404) });
/** The portal's own routes naming a resource: owner's people ok, other client's 404, staff 403. */
export const portalRead = (o: Owner) => make('ok', { anonymous: 401, ...portal(other(o), 404), analyst: 403, admin: 403 });
/** The portal's own collections (the client comes from the session): every portal user ok, staff 403. */
export const portalOnly = () => make('ok', { anonymous: 401, analyst: 403, admin: 403 });
/** A client's Managers on their own people (client from the session): Viewer/Collaborator 403, staff 403. */
export const managers = () => make('ok', { anonymous: 401, viewerA: 403, collaboratorA: 403, analyst: 403, admin: 403 });
/**
 * A Manager on one of the owner's people: their own client's Manager ok, the other client's 404.
 * Viewers and Collaborators are refused by role before the id is looked up (403 for every id,
 * made-up ones included); staff are refused by kind on this portal-side route (403).
 */
export const ownManager = (o: Owner) =>
  make(404, { anonymous: 401, viewerA: 403, collaboratorA: 403, analyst: 403, admin: 403, ...(o === 'A' ? { managerA: 'ok' } : { userB: 'ok' }) });
