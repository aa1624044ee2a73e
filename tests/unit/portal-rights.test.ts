import { describe, expect, it } from 'vitest';
import { can, type Action } from '../../server/policies/index.js';
import { PORTAL_RIGHTS, PORTAL_ROLES } from '../../client/lib/components/clients/portal-rights.js';

/**
 * The role table staff see on a client's Settings (client/lib/components/clients/portal-rights.ts)
 * says what the server enforces: each tick and each dash is can() of that role on its own client's
 * data, for every action the right names. The rules have one home (server/policies/); this keeps
 * the picture of them honest.
 */
const OWN = 'client-own';
const person = (role: (typeof PORTAL_ROLES)[number]) => ({ id: `u-${role}`, kind: 'portal', role, client_id: OWN, status: 'active', scope: [OWN] }) as const;
const resourceFor = (action: string) => ({ type: action.startsWith('portalUser.') ? 'clientUsers' : 'clientData', clientId: OWN }) as const;

describe('the portal role table on Settings', () => {
  it.each(PORTAL_RIGHTS.map((r) => [r.what, r] as const))('%s: each role’s mark is what the policies allow', (_what, right) => {
    expect(right.actions.length).toBeGreaterThan(0);
    PORTAL_ROLES.forEach((role, i) => {
      const allowed = right.actions.every((action) => can({ ...person(role), scope: [OWN] }, action as Action, resourceFor(action)));
      expect(right.roles[i], `${role}: ${right.what}`).toBe(allowed);
    });
  });
});
