import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/app.js';
import { AUDIT_ACTIONS, AUDIT_GROUPS, AUTH_FACTORS } from '../../server/contracts/audit-actions.js';

/**
 * The audit catalogue (issue 15, point 10): one list of action names with a label and a group.
 * `writeAudit` takes only its names (a type); these checks keep the list itself in shape and make
 * sure every name the server writes as a literal is in it.
 */

describe('audit catalogue', () => {
  it('names are noun.verb, each with a label and a known group; every group is used', () => {
    for (const [name, a] of Object.entries(AUDIT_ACTIONS)) {
      expect(name).toMatch(/^[a-z_]+\.[a-z_]+$/);
      expect(a.label.length, name).toBeGreaterThan(3);
      expect(AUDIT_GROUPS).toContain(a.group);
    }
    const used = new Set(Object.values(AUDIT_ACTIONS).map((a) => a.group));
    expect([...used].sort()).toEqual([...AUDIT_GROUPS].sort());
    const labels = Object.values(AUDIT_ACTIONS).map((a) => a.label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('lists every action the server writes, and the sign-in factors (later ones reserved)', () => {
    const written = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.name.endsWith('.ts')) {
          const text = fs.readFileSync(full, 'utf8');
          if (!/writeAudit|auditAction/.test(text)) continue; // policy actions (`action: 'chat.read'`) are another list
          for (const m of text.matchAll(/(?:action|auditAction): '([a-z_]+\.[a-z_]+)'(?!\s*\|)/g)) written.add(m[1]!);
        }
      }
    };
    walk(path.join(ROOT, 'server', 'commands'));
    walk(path.join(ROOT, 'server', 'queries'));
    expect(written.size).toBeGreaterThan(40);
    for (const action of written) expect(Object.keys(AUDIT_ACTIONS), action).toContain(action);
    expect(AUTH_FACTORS).toEqual(expect.arrayContaining(['password', 'totp', 'recovery_code', 'webauthn']));
  });
});
