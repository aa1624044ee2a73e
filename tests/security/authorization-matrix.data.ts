import { randomUUID } from 'node:crypto';
import { PASSWORD } from '../support/factories.js';
import { matrixPng, MATRIX_TOTP_SECRET, NEW_PASSWORD } from '../support/matrix-fixtures.js';
import { tinyPdf } from '../support/evidence.js';
import { totpCode } from '../support/totp.js';
import {
  make,
  portal,
  PORTAL_OF,
  everyone,
  scopedExpect,
  signedIn,
  staffOnly,
  adminOnly,
  staffView,
  staffWrite,
  sharedRead,
  portalRead,
  portalOnly,
  managers,
  ownManager,
  type Role,
  type Owner,
  type Expect,
  type Ctx,
  type MatrixEntry,
} from './matrix/shapes.js';
export { actorOf, ROLES, OWNERS, type Role, type Owner, type Expect, type Ctx, type MatrixEntry } from './matrix/shapes.js';

/**
 * THE authorization matrix (issue 4): every route × every role × a resource owned by client A
 * or by client B, and the status class each must get. 'ok' = any 2xx; a number = that status.
 * The runner is authorization-matrix.test.ts; a route missing here fails its completeness test.
 * (Long on purpose: it is a table, one entry per route, and reads best in one place.)
 *
 * The rules the expectations encode (issue 4, "The rules"; ARCHITECTURE.md rule 2):
 * - anonymous → 401 on every route that is not deliberately public (each public one says why);
 * - another client's resource, a draft, or a staff-only view → 404 for a portal user, the same
 *   answer as a made-up id (never 403: that would reveal the id exists);
 * - a role that may not take an action on something it can see → 403 (e.g. a client's Viewer
 *   editing its own client's published finding; an analyst changing firm settings);
 * - a route a kind of account may never use, refused before any lookup (portal users on the
 *   firm-wide staff routes, staff on the portal's own routes) → 403, the same for every id;
 * - client records (/clients/:clientId/…) are staff-only and invisible to portal users: 404 for
 *   every client id, their own included (the accounts design: policies/index.ts `canSee`);
 * - Staff: admins everything; analysts everything except firm settings and staff accounts.
 */

// ── Bodies ──────────────────────────────────────────────────────────────────────────────────────

const pdf = tinyPdf('Uploaded through the matrix');
/** An assertion of the right shape that no ceremony asked for. */
const FAKE_ASSERTION = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'AA', authenticatorData: 'AA', signature: 'AA' } };
const ALL_VERIFIED_409 = { viewerA: 409, collaboratorA: 409, managerA: 409, userB: 409, analyst: 409, admin: 409, scopedAnalyst: 409 } as const;
const w = (c: Ctx) => c.f[c.owner];
/** A client's provider under its record: admins (`e`), analysts 403 but where the client is outside their scope (404), portal users 404. */
const clientSso = (e: Expect) => (o: Owner) =>
  make(e, { anonymous: 401, ...portal('A', 404), ...portal('B', 404), analyst: 403, scopedAnalyst: o === 'B' ? 404 : 403 });

/** The matrix: one entry per route (several for a route whose answer depends on what it names). */
export const MATRIX: MatrixEntry[] = [
  // Liveness probe for load balancers: public by design, says nothing but "ok".
  { method: 'GET', path: '/healthz', expect: everyone('ok') },
  { method: 'GET', path: '/readyz', expect: everyone('ok') },
  // Without METRICS_TOKEN there are no metrics (with it, a bearer token: tests/integration/metrics.test.ts).
  { method: 'GET', path: '/metrics', expect: everyone(404) },

  // ── First-run setup: public until a staff account exists, then 404 for everyone (documented in setup.ts).
  { method: 'GET', path: '/api/setup', expect: everyone(404) },
  {
    method: 'POST',
    path: '/api/setup',
    expect: everyone(404),
    body: (c) => ({ code: 'not-the-code', firmName: 'Hijack Inc', name: 'Mallory', email: `mallory.${c.f.tag}@evil.test`, password: NEW_PASSWORD }),
  },

  // ── Session and sign-in.
  { method: 'GET', path: '/api/session', expect: signedIn() },
  // Public: logging out needs no session (it clears whatever cookie the browser has).
  { method: 'POST', path: '/api/auth/logout', expect: everyone('ok') },
  // Public: signing in is how a session starts (a signed-in browser may sign in again).
  { method: 'POST', path: '/api/auth/login', expect: everyone('ok'), body: (c) => ({ email: w(c).viewer.email, password: PASSWORD }) },
  // Every role's session is already fully verified: a second factor is "already complete" (409).
  {
    method: 'POST',
    path: '/api/auth/mfa',
    expect: signedIn({ viewerA: 409, collaboratorA: 409, managerA: 409, userB: 409, analyst: 409, admin: 409 }),
    body: () => ({ code: '000000' }),
  },
  { method: 'POST', path: '/api/auth/mfa/enrol/start', expect: signedIn(), body: () => ({ password: PASSWORD }) },
  { method: 'POST', path: '/api/auth/mfa/enrol/confirm', expect: signedIn(), body: () => ({ code: totpCode(MATRIX_TOTP_SECRET) }) },
  { method: 'GET', path: '/api/profile/mfa', expect: signedIn() },
  { method: 'POST', path: '/api/profile/recovery-codes', expect: signedIn(), body: () => ({ password: PASSWORD }) },

  // ── Passkeys (the ceremonies' happy paths and refusals: tests/integration/passkeys.test.ts).
  // Public: the sign-in page asks whether the firm allows passwordless sign-in.
  { method: 'GET', path: '/api/auth/passkey', expect: everyone('ok') },
  // Public (there is no session yet), and off unless the firm turns it on: 403 for everyone here.
  { method: 'POST', path: '/api/auth/passkey/sign-in/options', expect: everyone(403) },
  // Public: without the options' binding cookie no assertion signs anyone in (401).
  { method: 'POST', path: '/api/auth/passkey/sign-in', expect: everyone(401), body: () => ({ response: FAKE_ASSERTION }) },
  // Every role's session is already fully verified: a second factor is "already complete" (409).
  { method: 'POST', path: '/api/auth/passkey/mfa/options', expect: signedIn(ALL_VERIFIED_409) },
  { method: 'POST', path: '/api/auth/passkey/mfa', expect: signedIn(ALL_VERIFIED_409), body: () => ({ response: FAKE_ASSERTION }) },
  { method: 'POST', path: '/api/profile/passkeys/options', expect: signedIn(), body: () => ({ password: PASSWORD }) },

  // ── Single sign-on (the flows: tests/integration/sso.test.ts). Public: the sign-in page asks what to offer.
  { method: 'GET', path: '/api/auth/sso', expect: everyone('ok') },
  // Which organisation's provider serves an address's domain (never whether an account exists).
  { method: 'POST', path: '/api/auth/sso/discover', expect: everyone('ok'), body: (c) => ({ email: `someone.${c.f.tag}@nowhere.test` }) },
  // Public browser navigations: an unknown provider is 404 for everyone; a callback without its binding cookie goes back to the sign-in page.
  { method: 'GET', path: '/api/auth/sso/:providerId/start', expect: everyone(404), params: () => ({ providerId: 'no-such-provider' }) },
  { method: 'GET', path: '/api/auth/sso/callback', expect: everyone(303) },
  // Public: the provider's server posts here with no cookie; a body without a valid logout token is 400 for everyone.
  { method: 'POST', path: '/api/auth/sso/backchannel-logout', expect: everyone(400), body: () => ({ logout_token: 'not-a-token' }) },
  // The browser's answer is checked after who is asking: anonymous 401, everyone else's empty answer 400.
  { method: 'POST', path: '/api/profile/passkeys', expect: () => make(400, { anonymous: 401 }), body: () => ({}) },
  // One's own passkeys only: an id that is not one's own is unknown (404).
  {
    method: 'POST',
    path: '/api/profile/passkeys/:id/remove',
    expect: () => make(404, { anonymous: 401 }),
    params: () => ({ id: 'no-such-passkey' }),
    body: () => ({ password: PASSWORD }),
  },

  // ── Password reset: public (the person cannot sign in); the emailed link is the credential.
  { method: 'POST', path: '/api/auth/password-reset', expect: everyone('ok'), body: (c) => ({ email: w(c).member.email }) },
  { method: 'GET', path: '/api/auth/password-reset/:token', expect: everyone('ok'), params: (c) => ({ token: w(c).resetToken }) },
  { method: 'POST', path: '/api/auth/password-reset/confirm', expect: everyone('ok'), body: (c) => ({ token: w(c).resetToken, password: NEW_PASSWORD }) },

  // ── Invitations: public (the invited person has no account yet); the emailed link is the credential.
  { method: 'GET', path: '/api/invitations/:token', expect: everyone('ok'), params: (c) => ({ token: w(c).inviteToken }) },
  { method: 'POST', path: '/api/invitations/accept', expect: everyone('ok'), body: (c) => ({ token: w(c).inviteToken, password: NEW_PASSWORD }) },

  // ── The signed-in person's own account (the owner does not matter: it is always their own).
  { method: 'GET', path: '/api/profile', expect: signedIn() },
  { method: 'PATCH', path: '/api/profile', expect: signedIn(), body: () => ({ name: 'Renamed Person' }) },
  { method: 'POST', path: '/api/profile/password', expect: signedIn(), body: () => ({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }) },
  { method: 'GET', path: '/api/profile/sessions', expect: signedIn() },
  {
    method: 'DELETE',
    path: '/api/profile/sessions/:id',
    case: 'own other session',
    expect: signedIn(),
    params: (c) => ({ id: (c.actor && c.f.spareSessions.get(c.actor.id)) ?? 'ffffffffffffffff' }),
  },
  {
    // Someone else's session id is unknown (404) to everyone but its owner (A: viewerA's, B: userB's).
    method: 'DELETE',
    path: '/api/profile/sessions/:id',
    case: "another person's session",
    expect: (o) => make(404, { anonymous: 401, ...(o === 'A' ? { viewerA: 'ok' } : { userB: 'ok' }) }),
    params: (c) => ({ id: c.f.spareSessions.get(c.owner === 'A' ? c.f.A.viewer.id : c.f.B.manager.id)! }),
  },
  { method: 'POST', path: '/api/profile/sessions/end-others', expect: signedIn() },
  { method: 'POST', path: '/api/profile/avatar', expect: signedIn(), raw: { contentType: 'image/png', bytes: matrixPng } },
  { method: 'DELETE', path: '/api/profile/avatar', expect: signedIn() },
  // Staff see everyone's picture; a portal user sees staff and their own client's people only.
  { method: 'GET', path: '/api/users/:id/avatar', expect: sharedRead, params: (c) => ({ id: w(c).member.id }) },

  // ── Admin tools.
  // The outbox holds staff invitation and password-reset links: reading it is managing staff accounts.
  { method: 'GET', path: '/api/admin/outbox', expect: adminOnly },
  { method: 'GET', path: '/api/admin/security', expect: adminOnly },
  { method: 'GET', path: '/api/admin/sso', expect: adminOnly },
  // Off, naming no one: allowed to every administrator (turning it on needs a provider: tests/integration/sso.test.ts).
  { method: 'PUT', path: '/api/admin/sso/policy', expect: adminOnly, body: () => ({ ssoOnlyStaff: false, breakGlassUserId: null }) },
  // The body names no reachable provider: every administrator's request is refused by validation after the role check.
  {
    method: 'PUT',
    path: '/api/admin/sso',
    expect: () => make(400, { anonymous: 401, ...portal('A', 403), ...portal('B', 403), analyst: 403, scopedAnalyst: 403 }),
    body: () => ({}),
  },
  { method: 'PUT', path: '/api/admin/security', expect: adminOnly, body: () => ({ mfaRequiredForStaff: false, confirm: true }) },
  // Portal users are refused by kind before the id is looked up: the same 403 for every id.
  // A client's user is not a staff account, so analysts may reset it ("analysts everything except
  // firm settings and staff accounts"); a staff member's second factor is an admin's call.
  {
    method: 'POST',
    path: '/api/admin/users/:id/mfa-reset',
    case: 'portal user',
    params: (c) => ({ id: w(c).member.id }),
    expect: () => make('ok', { anonymous: 401, ...portal('A', 403), ...portal('B', 403) }),
  },
  // The route must look the account up to know whether it is staff: a made-up id is 404 for every staff member.
  {
    method: 'POST',
    path: '/api/admin/users/:id/mfa-reset',
    case: 'staff member',
    expect: adminOnly,
    params: (c) => ({ id: c.f.staff.member.id }),
    madeUp: { analyst: 404, scopedAnalyst: 404 },
  },

  // ── Staff accounts (admins only).
  { method: 'GET', path: '/api/staff', expect: adminOnly },
  { method: 'POST', path: '/api/staff', expect: adminOnly, body: (c) => ({ email: `new.staff.${c.f.tag}@acme.test`, name: 'New Staff', role: 'analyst' }) },
  { method: 'PATCH', path: '/api/staff/:userId', expect: adminOnly, params: (c) => ({ userId: c.f.staff.member.id }), body: () => ({ name: 'Renamed Staff' }) },
  { method: 'POST', path: '/api/staff/:userId/remove', expect: adminOnly, params: (c) => ({ userId: c.f.staff.member.id }) },
  { method: 'POST', path: '/api/staff/:userId/resend', expect: adminOnly, params: (c) => ({ userId: c.f.staff.invitee.id }) },

  // ── Client records (staff; invisible to portal users).
  { method: 'GET', path: '/api/clients', expect: staffOnly },
  { method: 'POST', path: '/api/clients', expect: staffOnly, body: (c) => ({ name: `New client ${c.f.tag}` }) },
  { method: 'GET', path: '/api/clients/:clientId', expect: staffView, params: (c) => ({ clientId: w(c).client.id }) },
  {
    method: 'PATCH',
    path: '/api/clients/:clientId',
    expect: staffView,
    params: (c) => ({ clientId: w(c).client.id }),
    body: () => ({ name: 'Renamed client' }),
  },
  { method: 'POST', path: '/api/clients/:clientId/archive', expect: staffView, params: (c) => ({ clientId: w(c).client.id }) },
  // Who on the firm's side reaches a client: staff read it; only admins assign (an analyst must not widen their own scope).
  { method: 'GET', path: '/api/clients/:clientId/staff', expect: staffView, params: (c) => ({ clientId: w(c).client.id }) },
  {
    method: 'PUT',
    path: '/api/clients/:clientId/staff',
    params: (c) => ({ clientId: w(c).client.id }),
    body: (c) => ({ userIds: [c.f.staff.analyst.id, c.f.staff.member.id] }),
    expect: (o) => make('ok', { anonymous: 401, ...portal('A', 404), ...portal('B', 404), analyst: 403, scopedAnalyst: o === 'A' ? 403 : 404 }),
    // A client nobody may reach does not exist: 404 before the role is judged.
    madeUp: { analyst: 404, scopedAnalyst: 404 },
  },

  // ── A client's portal users, as staff manage them (under the client record).
  { method: 'GET', path: '/api/clients/:clientId/users', expect: staffView, params: (c) => ({ clientId: w(c).client.id }) },
  {
    method: 'POST',
    path: '/api/clients/:clientId/users',
    expect: staffView,
    params: (c) => ({ clientId: w(c).client.id }),
    body: (c) => ({ email: `new.person.${c.f.tag}@client.test`, name: 'New Person', role: 'viewer' }),
  },
  {
    method: 'PATCH',
    path: '/api/clients/:clientId/users/:userId',
    expect: staffView,
    params: (c) => ({ clientId: w(c).client.id, userId: w(c).member.id }),
    body: () => ({ role: 'collaborator' }),
  },
  {
    method: 'POST',
    path: '/api/clients/:clientId/users/:userId/remove',
    expect: staffView,
    params: (c) => ({ clientId: w(c).client.id, userId: w(c).member.id }),
  },
  {
    method: 'POST',
    path: '/api/clients/:clientId/users/:userId/resend',
    expect: staffView,
    params: (c) => ({ clientId: w(c).client.id, userId: w(c).invitee.id }),
  },

  // ── A client's own identity provider: the firm's admins (a client record: 404 to portal users) and the client's Manager.
  {
    method: 'GET',
    path: '/api/clients/:clientId/sso',
    expect: clientSso('ok'),
    params: (c) => ({ clientId: w(c).client.id }),
    madeUp: { analyst: 404, admin: 404, scopedAnalyst: 404 },
  },
  // An empty body: every administrator is refused by validation after the role check (a real provider: tests/integration/sso-clients.test.ts).
  {
    method: 'PUT',
    path: '/api/clients/:clientId/sso',
    expect: clientSso(400),
    params: (c) => ({ clientId: w(c).client.id }),
    body: () => ({}),
    madeUp: { analyst: 404, admin: 404, scopedAnalyst: 404 },
  },
  {
    method: 'DELETE',
    path: '/api/clients/:clientId/sso',
    expect: clientSso('ok'),
    params: (c) => ({ clientId: w(c).client.id }),
    madeUp: { analyst: 404, admin: 404, scopedAnalyst: 404 },
  },
  { method: 'GET', path: '/api/portal/sso', expect: managers },
  {
    method: 'PUT',
    path: '/api/portal/sso',
    expect: () => make(400, { anonymous: 401, viewerA: 403, collaboratorA: 403, analyst: 403, admin: 403 }),
    body: () => ({}),
  },
  { method: 'DELETE', path: '/api/portal/sso', expect: managers },

  // ── A client's portal users, as its Managers manage them (the client is the session's).
  { method: 'GET', path: '/api/portal/users', expect: managers },
  {
    method: 'POST',
    path: '/api/portal/users',
    expect: managers,
    body: (c) => ({ email: `new.colleague.${c.f.tag}@client.test`, name: 'New Colleague', role: 'viewer' }),
  },
  {
    method: 'PATCH',
    path: '/api/portal/users/:userId',
    expect: ownManager,
    params: (c) => ({ userId: w(c).member.id }),
    body: () => ({ role: 'collaborator' }),
  },
  { method: 'POST', path: '/api/portal/users/:userId/remove', expect: ownManager, params: (c) => ({ userId: w(c).member.id }) },
  { method: 'POST', path: '/api/portal/users/:userId/resend', expect: ownManager, params: (c) => ({ userId: w(c).invitee.id }) },

  // ── Company settings: staff read, admins change.
  { method: 'GET', path: '/api/firm', expect: staffOnly },
  {
    method: 'PUT',
    path: '/api/firm',
    expect: adminOnly,
    body: () => ({ name: 'Acme Security', supportEmail: 'support@acme.test', supportPhone: '+44 20 7946 0000' }),
  },

  // ── Projects (staff workspace).
  { method: 'GET', path: '/api/projects', expect: staffOnly },
  { method: 'GET', path: '/api/projects/team-options', expect: staffOnly },
  { method: 'GET', path: '/api/clients/:clientId/projects', expect: staffView, params: (c) => ({ clientId: w(c).client.id }) },
  {
    method: 'POST',
    path: '/api/clients/:clientId/projects',
    expect: staffView,
    params: (c) => ({ clientId: w(c).client.id }),
    body: () => ({ name: 'New project' }),
  },
  // The staff view (team, draft counts): 404 to portal users, who read projects through /portal.
  { method: 'GET', path: '/api/projects/:id', expect: staffView, params: (c) => ({ id: w(c).project.id }) },
  { method: 'PATCH', path: '/api/projects/:id', expect: staffWrite, params: (c) => ({ id: w(c).project.id }), body: () => ({ name: 'Renamed project' }) },

  // ── Findings (staff workspace: drafts and internal notes).
  { method: 'GET', path: '/api/projects/:id/findings', expect: staffView, params: (c) => ({ id: w(c).project.id }) },
  {
    method: 'POST',
    path: '/api/projects/:id/findings',
    expect: staffWrite,
    params: (c) => ({ id: w(c).project.id }),
    body: () => ({ title: 'New finding', severity: 'low' }),
  },
  { method: 'GET', path: '/api/findings/:id', expect: staffView, params: (c) => ({ id: w(c).finding.id }) },
  {
    method: 'PATCH',
    path: '/api/findings/:id',
    case: 'published finding',
    expect: staffWrite,
    params: (c) => ({ id: w(c).finding.id }),
    body: (c) => ({ title: 'Edited title', version: w(c).finding.version }),
  },
  {
    method: 'POST',
    path: '/api/findings/:id/publish',
    case: 'draft',
    expect: staffView,
    params: (c) => ({ id: w(c).draft.id }),
    body: () => ({ confirm: true }),
  },
  { method: 'POST', path: '/api/findings/:id/unpublish', case: 'published finding', expect: staffWrite, params: (c) => ({ id: w(c).finding.id }) },
  {
    method: 'POST',
    path: '/api/findings/:id/status',
    case: 'published finding',
    expect: staffWrite,
    params: (c) => ({ id: w(c).finding.id }),
    body: () => ({ status: 'pending_verification', note: 'Retest booked.' }),
  },
  { method: 'DELETE', path: '/api/findings/:id', case: 'draft', expect: staffView, params: (c) => ({ id: w(c).draft.id }) },

  // ── Evidence (on the published finding; the item is shared and has a client copy).
  { method: 'GET', path: '/api/findings/:id/evidence', expect: sharedRead, params: (c) => ({ id: w(c).finding.id }) },
  {
    method: 'POST',
    path: '/api/findings/:id/evidence',
    expect: staffWrite,
    params: (c) => ({ id: w(c).finding.id }),
    query: () => ({ name: 'upload.png' }),
    raw: { contentType: 'image/png', bytes: matrixPng },
  },
  {
    method: 'PUT',
    path: '/api/evidence/:id/redactions',
    expect: staffWrite,
    params: (c) => ({ id: w(c).evidence.id }),
    body: () => ({ rectangles: [{ x: 0, y: 0, w: 4, h: 4 }] }),
  },
  { method: 'PATCH', path: '/api/evidence/:id', expect: staffWrite, params: (c) => ({ id: w(c).evidence.id }), body: () => ({ caption: 'New caption' }) },
  { method: 'DELETE', path: '/api/evidence/:id', expect: staffWrite, params: (c) => ({ id: w(c).evidence.id }) },
  { method: 'GET', path: '/api/evidence/:id/:variant', case: 'client copy', expect: sharedRead, params: (c) => ({ id: w(c).evidence.id, variant: 'file' }) },
  { method: 'GET', path: '/api/evidence/:id/:variant', case: 'thumbnail', expect: sharedRead, params: (c) => ({ id: w(c).evidence.id, variant: 'thumb' }) },
  // The unredacted original never reaches a portal user, of any client (issue 4: 404).
  { method: 'GET', path: '/api/evidence/:id/:variant', case: 'original', expect: staffView, params: (c) => ({ id: w(c).evidence.id, variant: 'original' }) },

  // ── Reports (the report is published).
  { method: 'GET', path: '/api/projects/:id/reports', expect: sharedRead, params: (c) => ({ id: w(c).project.id }) },
  {
    method: 'POST',
    path: '/api/projects/:id/reports',
    expect: staffWrite,
    params: (c) => ({ id: w(c).project.id }),
    query: () => ({ title: 'Matrix upload', name: 'report.pdf' }),
    raw: { contentType: 'application/pdf', bytes: async () => pdf },
  },
  { method: 'PATCH', path: '/api/reports/:id', expect: staffWrite, params: (c) => ({ id: w(c).report.id }), body: () => ({ published: false }) },
  { method: 'GET', path: '/api/reports/:id/download', expect: sharedRead, params: (c) => ({ id: w(c).report.id }) },

  // ── The portal's reads (the client is always the session's).
  { method: 'GET', path: '/api/portal/dashboard', expect: portalOnly },
  { method: 'GET', path: '/api/portal/projects', expect: portalOnly },
  { method: 'GET', path: '/api/portal/projects/:projectId', expect: portalRead, params: (c) => ({ projectId: w(c).project.id }) },
  {
    method: 'GET',
    path: '/api/portal/projects/:projectId/findings',
    expect: portalRead,
    params: (c) => ({ projectId: w(c).project.id }),
    query: () => ({ sort: 'title', dir: 'desc', severity: 'high' }),
  },
  { method: 'GET', path: '/api/portal/findings/:findingId', expect: portalRead, params: (c) => ({ findingId: w(c).finding.id }) },
  { method: 'GET', path: '/api/portal/reports', expect: portalOnly },
];

/** `METHOD /path` of an entry, as listRoutes() spells routes. */
export const routeKey = (e: Pick<MatrixEntry, 'method' | 'path'>) => `${e.method} ${e.path}`;

/** Whether the route names something in its path (and so can be asked about a made-up id). */
export const namesAnId = (e: Pick<MatrixEntry, 'path'>) => /:(?!variant\b)\w+/.test(e.path);

/**
 * What a made-up id must get (issue 4: another client's resource answers "the same as a made-up
 * id"): for a portal user, exactly what they get for the other client's resource; for staff and
 * anonymous, what they get for any resource — and 404 wherever that was a success.
 */
export function madeUpExpect(e: MatrixEntry, role: Role): Expect {
  const override = e.madeUp?.[role];
  if (override !== undefined) return override;
  const crossClient = PORTAL_OF.A.includes(role) ? expectOf(e, 'B', role, true) : expectOf(e, 'A', role, false);
  return crossClient === 'ok' ? 404 : crossClient;
}

/** The answer `role` must get on `owner`'s resource (the scoped analyst's derived, see `scopedExpect`). */
export function expectOf(e: MatrixEntry, owner: Owner, role: Role, namesOwner: boolean): Expect {
  const ex = e.expect(owner);
  return role === 'scopedAnalyst' ? scopedExpect(ex, owner, namesOwner) : ex[role];
}

/** The URL of an entry's request (params filled and encoded, query appended); `madeUp`: every id a fresh UUID. */
export function urlOf(e: MatrixEntry, c: Ctx, madeUp = false): string {
  const params = e.params?.(c) ?? {};
  const filled = e.path.replace(/:(\w+)/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`${routeKey(e)}: no value for :${name}`);
    return encodeURIComponent(madeUp && name !== 'variant' ? randomUUID() : v);
  });
  const q = e.query ? `?${new URLSearchParams(e.query(c))}` : '';
  return filled + q;
}
