import { describe, expect, it } from 'vitest';
import type { ClientRow, SessionRow } from '../../db/schema.js';
import type { Viewer } from '../../server/auth/session.js';
import { mayShow, resolveProfile, STAFF_PROFILE } from '../../server/visibility/profile.js';

/**
 * The two helpers of server/visibility/profile.ts that the table's own test does not reach:
 * resolveProfile (which profile a viewer's payloads are built for) and mayShow on its own
 * (a field the table does not list is never shown, not even to staff).
 */

const viewer = (kind: 'staff' | 'portal', clientId: string | null): Viewer => ({
  user: { id: 'u1', kind, role: kind === 'staff' ? 'analyst' : 'viewer', client_id: clientId, status: 'active' } as Viewer['user'],
  session: {} as SessionRow,
});
const client = (id: string, hidden: Record<string, boolean> = {}) =>
  ({ id, visible_fields: JSON.stringify(hidden) }) as Pick<ClientRow, 'id' | 'visible_fields'>;

describe('resolveProfile', () => {
  it('gives staff the staff profile, whatever client is at hand', () => {
    expect(resolveProfile(viewer('staff', null), undefined)).toBe(STAFF_PROFILE);
    expect(resolveProfile(viewer('staff', null), client('c1', { cvss: false }))).toBe(STAFF_PROFILE);
  });

  it('gives a portal user the profile of their own client, with its hidden fields', () => {
    const p = resolveProfile(viewer('portal', 'c1'), client('c1', { cvss: false, evidence: false }));
    expect(p.audience).toBe('portal');
    if (p.audience !== 'portal') return;
    expect(p.clientId).toBe('c1');
    expect([...p.hidden].sort()).toEqual(['cvss', 'evidence']);
  });

  it('refuses to build a portal profile from another client, or from none', () => {
    expect(() => resolveProfile(viewer('portal', 'c1'), client('c2'))).toThrow(/own client/);
    expect(() => resolveProfile(viewer('portal', 'c1'), undefined)).toThrow(/own client/);
  });
});

describe('mayShow', () => {
  // Built inside each test (not at collection), so a broken resolveProfile fails a test rather than the file.
  const portalProfile = () => resolveProfile(viewer('portal', 'c1'), client('c1', { references: false }));

  it('never shows a field the table does not list, to staff or portal', () => {
    const portal = portalProfile();
    for (const field of ['passwordHash', 'internal_notes', 'sharedBy']) {
      expect(mayShow('finding', field, STAFF_PROFILE), field).toBe(false);
      expect(mayShow('comment', field, portal), field).toBe(false);
    }
  });

  // Found by the mutation slice: mayShow looked the rule up with a plain index, so a name inherited
  // from Object.prototype found a "rule" and staff were told yes (it now checks Object.hasOwn).
  it('never shows an Object.prototype name either', () => {
    for (const field of ['toString', 'constructor', '__proto__']) expect(mayShow('finding', field, STAFF_PROFILE), field).toBe(false);
  });

  it('shows staff every listed field and the portal only its own', () => {
    const portal = portalProfile();
    expect(mayShow('finding', 'internalNotes', STAFF_PROFILE)).toBe(true);
    expect(mayShow('finding', 'internalNotes', portal)).toBe(false);
    expect(mayShow('finding', 'references', portal)).toBe(false);
    expect(mayShow('finding', 'cvssScore', portal)).toBe(true);
    expect(mayShow('statusChange', 'actorId', portal)).toBe(false);
    expect(mayShow('statusChange', 'actorId', STAFF_PROFILE)).toBe(true);
  });
});
