import { describe, expect, it } from 'vitest';
import type { UserRow } from '../../db/schema.js';
import { AppError } from '../../server/errors.js';
import { authorize, can, type Action, type Resource } from '../../server/policies/index.js';
import type { ClientScope } from '../../server/policies/access.js';

/**
 * The policies on their own (server/policies/): can() and authorize() for every action × kind of
 * principal × role × own / other client, written from the product's role table, not from the code:
 *
 * - staff: a firm admin does everything staff do, plus firm settings, staff accounts and the
 *   outbox; an analyst everything else staff do; neither acts AS a client (the client dashboard,
 *   submitting a fix, asking for a retest are a client Manager's);
 * - a client's people: Manager ⊃ Collaborator ⊃ Viewer. Viewers read; Collaborators also comment
 *   and chat; Managers also manage their people, submit fixes and ask for retests. Never the
 *   firm's own bookkeeping (drafts, internal notes, originals, verdicts, client records);
 * - portal users only ever act on their own client: on another client's data (or on any client
 *   record, their own included) the answer is 404, never 403, so nothing reveals it exists;
 *   a refusal on something they can see is 403;
 * - a principal that is not active may do nothing; an unknown action is denied.
 */

type Role = 'admin' | 'analyst' | 'manager' | 'collaborator' | 'viewer';
type Target = 'clientData' | 'clientUsers' | 'client' | 'none';
const STAFF: Role[] = ['admin', 'analyst'];
const CLIENT_PEOPLE: Role[] = ['manager', 'collaborator', 'viewer'];
const EVERYONE: Role[] = [...STAFF, ...CLIENT_PEOPLE];

/** THE role table: what each action is about and who may take it (on their own client's things). */
const TABLE = {
  // Firm-wide, no client: admins only.
  'staff.manage': { target: 'none', allowed: ['admin'] },
  'outbox.read': { target: 'none', allowed: ['admin'] },
  'firm.manage': { target: 'none', allowed: ['admin'] },
  // Client records: the firm's (staff), invisible to every portal user.
  'client.read': { target: 'client', allowed: STAFF },
  'client.manage': { target: 'client', allowed: STAFF },
  'client.assign': { target: 'client', allowed: ['admin'] },
  // A client's people: staff, and that client's Manager.
  'portalUser.list': { target: 'clientUsers', allowed: [...STAFF, 'manager'] },
  'portalUser.manage': { target: 'clientUsers', allowed: [...STAFF, 'manager'] },
  // Which identity provider signs a client's people in: the firm's admins, and that client's Manager.
  'clientSso.manage': { target: 'clientUsers', allowed: ['admin', 'manager'] },
  // Reading a client's published work: staff and all of the client's people.
  'project.read': { target: 'clientData', allowed: EVERYONE },
  'finding.read': { target: 'clientData', allowed: EVERYONE },
  'evidence.read': { target: 'clientData', allowed: EVERYONE },
  'report.read': { target: 'clientData', allowed: EVERYONE },
  'comment.read': { target: 'clientData', allowed: EVERYONE },
  'chat.read': { target: 'clientData', allowed: EVERYONE },
  'remediation.read': { target: 'clientData', allowed: EVERYONE },
  'retest.read': { target: 'clientData', allowed: EVERYONE },
  // The client's own dashboard: the client's people, not staff.
  'dashboard.read': { target: 'clientData', allowed: CLIENT_PEOPLE },
  // The activity feed: staff (firm-wide Home) and all of the client's people (their Activity page).
  'activity.read': { target: 'clientData', allowed: EVERYONE },
  // Taking part in the conversation: staff, Managers and Collaborators (Viewers only read).
  'comment.write': { target: 'clientData', allowed: [...STAFF, 'manager', 'collaborator'] },
  'chat.write': { target: 'clientData', allowed: [...STAFF, 'manager', 'collaborator'] },
  // Only a client Manager submits a fix or asks for a retest.
  'remediation.submit': { target: 'clientData', allowed: ['manager'] },
  'retest.request': { target: 'clientData', allowed: ['manager'] },
  // The firm's work and bookkeeping: staff only.
  'project.manage': { target: 'clientData', allowed: STAFF },
  'finding.manage': { target: 'clientData', allowed: STAFF },
  'evidence.manage': { target: 'clientData', allowed: STAFF },
  'evidence.readOriginal': { target: 'clientData', allowed: STAFF },
  'report.manage': { target: 'clientData', allowed: STAFF },
  'comment.writeInternal': { target: 'clientData', allowed: STAFF },
  'comment.share': { target: 'clientData', allowed: STAFF },
  'remediation.verdict': { target: 'clientData', allowed: STAFF },
  'retest.manage': { target: 'clientData', allowed: STAFF },
  'remediation.queue': { target: 'none', allowed: STAFF },
} as const satisfies Record<Action, { target: Target; allowed: readonly Role[] }>;

const ACTIONS = Object.keys(TABLE) as Action[];
const OWN = 'client-own';
const OTHER = 'client-other';

type Principal = Pick<UserRow, 'id' | 'kind' | 'role' | 'client_id' | 'status'> & { scope: ClientScope };
const principal = (role: Role, status: UserRow['status'] = 'active'): Principal =>
  STAFF.includes(role)
    ? { id: `u-${role}`, kind: 'staff', role, client_id: null, status, scope: 'all' }
    : { id: `u-${role}`, kind: 'portal', role, client_id: OWN, status, scope: [OWN] };

const resourceOf = (target: Target, clientId: string): Resource | undefined => (target === 'none' ? undefined : ({ type: target, clientId } as Resource));

/** What authorize() does: 'ok', or the status it throws. */
function outcome(p: Principal, action: Action, r: Resource | undefined): 'ok' | number {
  try {
    authorize(p, action, r);
    return 'ok';
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err.status;
  }
}

/** The expected answer from the role table. */
function expected(role: Role, action: Action, whose: 'own' | 'other'): 'ok' | 403 | 404 {
  const { target, allowed } = TABLE[action];
  const isStaff = STAFF.includes(role);
  if (!isStaff && target === 'client') return 404; // client records: invisible to portal users, their own included
  if (!isStaff && whose === 'other' && target !== 'none') return 404; // another client's things: not even there
  return (allowed as readonly Role[]).includes(role) ? 'ok' : 403;
}

const CASES = ACTIONS.flatMap((action) => EVERYONE.flatMap((role) => (['own', 'other'] as const).map((whose) => ({ action, role, whose }))));

describe('the role table, action × role × own / other client', () => {
  it.each(CASES)('$role · $action · $whose client', ({ action, role, whose }) => {
    const r = resourceOf(TABLE[action].target, whose === 'own' ? OWN : OTHER);
    const want = expected(role, action, whose);
    expect(can(principal(role), action, r)).toBe(want === 'ok');
    expect(outcome(principal(role), action, r)).toBe(want);
  });
});

describe('what the table implies', () => {
  it('client roles nest: whatever a Viewer may do a Collaborator may, and whatever a Collaborator may a Manager may', () => {
    for (const action of ACTIONS) {
      const r = resourceOf(TABLE[action].target, OWN);
      if (can(principal('viewer'), action, r)) expect(can(principal('collaborator'), action, r), action).toBe(true);
      if (can(principal('collaborator'), action, r)) expect(can(principal('manager'), action, r), action).toBe(true);
    }
  });

  it('an admin may do whatever an analyst may', () => {
    for (const action of ACTIONS) {
      const r = resourceOf(TABLE[action].target, OWN);
      if (can(principal('analyst'), action, r)) expect(can(principal('admin'), action, r), action).toBe(true);
    }
  });

  it('a portal user is never allowed anything about another client, whatever the action', () => {
    for (const role of CLIENT_PEOPLE) {
      for (const action of ACTIONS) {
        for (const type of ['clientData', 'clientUsers', 'client'] as const) {
          expect(can(principal(role), action, { type, clientId: OTHER } as Resource), `${role} ${action} ${type}`).toBe(false);
          expect(outcome(principal(role), action, { type, clientId: OTHER } as Resource), `${role} ${action} ${type}`).toBe(404);
        }
      }
    }
  });

  it('the client-scoped actions need a resource: without one a portal user is refused (403)', () => {
    for (const role of CLIENT_PEOPLE) {
      for (const action of ACTIONS.filter((a) => TABLE[a].target !== 'none')) {
        expect(can(principal(role), action, undefined), `${role} ${action}`).toBe(false);
        expect(outcome(principal(role), action, undefined)).toBe(403);
      }
    }
  });

  it('a portal user without a client owns nothing', () => {
    const orphan: Principal = { id: 'u-x', kind: 'portal', role: 'manager', client_id: null, status: 'active', scope: [] };
    for (const action of ACTIONS) expect(can(orphan, action, resourceOf(TABLE[action].target, OWN)), action).toBe(false);
  });

  it.each(['invited', 'removed'] as const)('a principal that is %s may do nothing (403, or 404 where a portal user may not know the thing)', (status) => {
    for (const role of EVERYONE) {
      for (const action of ACTIONS) {
        for (const whose of ['own', 'other'] as const) {
          const r = resourceOf(TABLE[action].target, whose === 'own' ? OWN : OTHER);
          const want = expected(role, action, whose);
          expect(can(principal(role, status), action, r), `${role} ${action}`).toBe(false);
          expect(outcome(principal(role, status), action, r), `${role} ${action} ${whose}`).toBe(want === 'ok' ? 403 : want);
        }
      }
    }
  });

  it('denies an unknown action, including names inherited from Object.prototype', () => {
    for (const name of ['no.such', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(can(principal('admin'), name as Action), name).toBe(false);
      expect(can(principal('admin'), name as Action, { type: 'clientData', clientId: OWN }), name).toBe(false);
      expect(outcome(principal('admin'), name as Action, undefined)).toBe(403);
    }
  });
});

/**
 * The database refuses these principals (users_kind_role: staff have no client and are admins or
 * analysts; portal users have a client and a client role), so the rules must not depend on that
 * by accident: staff-ness comes from `kind`, never from a role name, and owning a client's data
 * needs `kind = portal`, never just a client id. Should a row ever slip past the CHECK (a
 * migration, a restore), it gains nothing.
 */
describe('the rules key on the kind of principal, not on role names or client ids alone', () => {
  it('a portal principal carrying a staff role name gets nothing staff-only', () => {
    for (const role of ['admin', 'analyst'] as const) {
      const p: Principal = { id: 'u-x', kind: 'portal', role, client_id: OWN, status: 'active', scope: [OWN] };
      for (const action of ['staff.manage', 'outbox.read', 'firm.manage', 'remediation.queue'] as const)
        expect(can(p, action), `${role} ${action}`).toBe(false);
      for (const action of ['remediation.verdict', 'retest.manage', 'finding.manage', 'evidence.readOriginal', 'comment.writeInternal'] as const) {
        expect(can(p, action, { type: 'clientData', clientId: OWN }), `${role} ${action}`).toBe(false);
      }
      for (const action of ['chat.write', 'chat.read', 'finding.read', 'comment.write'] as const) {
        expect(can(p, action, { type: 'clientData', clientId: OTHER }), `${role} ${action} other`).toBe(false);
      }
    }
  });

  it('a staff principal carrying a client id and a client role does not act as that client', () => {
    const p: Principal = { id: 'u-y', kind: 'staff', role: 'manager', client_id: OWN, status: 'active', scope: 'all' };
    // chat.write: staff write as admins or analysts, never as a client's Manager.
    for (const action of ['dashboard.read', 'remediation.submit', 'retest.request', 'chat.write'] as const) {
      expect(can(p, action, { type: 'clientData', clientId: OWN }), action).toBe(false);
    }
  });
});

describe('staff scope: an analyst the firm limits to some clients', () => {
  const scoped = (scope: ClientScope | undefined): Principal => ({
    id: 'u-scoped',
    kind: 'staff',
    role: 'analyst',
    client_id: null,
    status: 'active',
    scope: scope as ClientScope,
  });
  const CLIENT_ACTIONS = ACTIONS.filter((a) => TABLE[a].target !== 'none');

  it('acts exactly as an analyst on a client in their scope', () => {
    for (const action of ACTIONS) {
      const r = resourceOf(TABLE[action].target, OWN);
      expect(outcome(scoped([OWN]), action, r), action).toBe(expected('analyst', action, 'own'));
    }
  });

  it('gets 404 for every action on a client outside their scope (it does not exist for them), as does staff with no scope loaded', () => {
    expect(CLIENT_ACTIONS.length).toBeGreaterThan(20);
    for (const action of CLIENT_ACTIONS) {
      for (const p of [scoped([OWN]), scoped([]), scoped(undefined)]) {
        expect(can(p, action, resourceOf(TABLE[action].target, OTHER)), action).toBe(false);
        expect(outcome(p, action, resourceOf(TABLE[action].target, OTHER)), action).toBe(404);
      }
    }
  });

  it('keeps the firm-wide collections an analyst may open (their lists are filtered by scope where loaded)', () => {
    for (const action of ACTIONS.filter((a) => TABLE[a].target === 'none')) {
      expect(outcome(scoped([]), action, undefined), action).toBe(expected('analyst', action, 'own'));
    }
  });
});
