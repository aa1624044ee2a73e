import { describe, expect, it } from 'vitest';
import type { EvidenceRow, FindingRow } from '../../db/schema.js';
import { presentFinding } from '../../server/presenters/workspace.js';
import { portalProfile, STAFF_PROFILE } from '../../server/visibility/profile.js';
import { HIDE_KEYS, VISIBILITY, type HideKey } from '../../server/visibility/fields.js';

const now = Date.parse('2026-11-22T10:00:00Z');
const finding: FindingRow = {
  id: 'f1',
  project_id: 'p1',
  client_id: 'c1',
  title: 'SQL injection',
  severity: 'high',
  description: 'desc MARK-DESC',
  impact: 'impact MARK-IMPACT',
  remediation: 'fix MARK-REM',
  technical_details: 'MARK-TECH',
  cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  cvss_version: '3.1',
  cvss_score: 9.8,
  references_json: '["https://ref.example/MARK-REF"]',
  affected_assets_json: '["web01"]',
  status: 'open',
  published: 1,
  published_at: now,
  internal_notes: 'MARK-INTERNAL',
  version: 3,
  created_by: 'u1',
  created_at: now,
  updated_at: now,
  due_paused_ms: 0,
  due_paused_at: null,
};
const evidence: EvidenceRow = {
  id: 'e1',
  finding_id: 'f1',
  client_id: 'c1',
  kind: 'image',
  original_file: 'o.png',
  original_name: 'MARK-ORIGNAME.png',
  mime: 'image/png',
  size: 10,
  width: 10,
  height: 10,
  client_file: 'c.webp',
  client_thumb_file: 't.webp',
  redactions: '[]',
  caption: 'cap',
  shared: 1,
  created_by: 'u1',
  created_at: now,
};
const extras = {
  projectName: 'Pentest',
  history: [{ from_status: null, to_status: 'open' as const, note: '', at: now, actor_id: 'u1', actor_name: 'Sam' }],
  evidence: [evidence],
};
const client = (hidden: HideKey[]) => ({ id: 'c1', visible_fields: JSON.stringify(Object.fromEntries(hidden.map((k) => [k, false]))) });

const HIDDEN_FIELDS: Record<HideKey, string[]> = {
  cvss: ['cvssVersion', 'cvssVector', 'cvssScore'],
  technicalDetails: ['technicalDetailsHtml'],
  references: ['references'],
  evidence: ['evidence'],
};
const STAFF_ONLY = ['clientId', 'description', 'impact', 'remediation', 'technicalDetails', 'internalNotes', 'published', 'version', 'createdBy'];

describe('the visibility table', () => {
  it('gives staff every listed finding field', () => {
    const dto = presentFinding(finding, extras, STAFF_PROFILE);
    expect(Object.keys(dto).sort()).toEqual(Object.keys(VISIBILITY.finding).sort());
    expect(dto.internalNotes).toBe('MARK-INTERNAL');
    expect(dto.evidence[0]!.originalUrl).toBe('/api/evidence/e1/original');
  });

  // Every combination of the four switches: 16 profiles.
  const combos = Array.from({ length: 1 << HIDE_KEYS.length }, (_, n) => HIDE_KEYS.filter((_k, i) => n & (1 << i)));
  it.each(combos.map((c) => [c.join(',') || 'nothing', c] as const))('gives a portal user exactly the allowed fields when hiding %s', (_name, hidden) => {
    const dto = presentFinding(finding, extras, portalProfile(client([...hidden])));
    const expected = Object.keys(VISIBILITY.finding).filter((f) => !STAFF_ONLY.includes(f) && !hidden.some((h) => HIDDEN_FIELDS[h].includes(f)));
    expect(Object.keys(dto).sort()).toEqual(expected.sort());
    const json = JSON.stringify(dto);
    expect(json).not.toContain('MARK-INTERNAL');
    expect(json).not.toContain('MARK-ORIGNAME');
    expect(json).not.toContain('/original');
    for (const h of hidden) {
      if (h === 'technicalDetails') expect(json).not.toContain('MARK-TECH');
      if (h === 'references') expect(json).not.toContain('MARK-REF');
      if (h === 'cvss') expect(json).not.toContain('CVSS:3.1');
    }
  });

  it('never lets an unlisted field out, whatever a presenter offers', async () => {
    const { pick } = await import('../../server/visibility/profile.js');
    const out = pick<Record<string, unknown>>('finding', STAFF_PROFILE, { id: () => 'x', secretThing: () => 'leak' });
    expect(out).toEqual({ id: 'x' });
  });
});
