import { describe, expect, it } from 'vitest';
import { FINDING_STATUSES, type FindingStatus } from '../../server/contracts/workspace.js';
import { actorOf, allowedFrom, checkTransition, checkRetestTransition, pauseAfter, STATUS_LABELS } from '../../server/remediation/transitions.js';
import { dueOf, DEFAULT_REMEDIATION_DAYS, parseRemediationDays } from '../../server/services/deadlines.js';

/**
 * Every finding-status move, for every role, allowed or refused — written out here independently
 * of the table in server/remediation/transitions.ts, so a change to the table fails this test.
 */
const M = 'manager';
const S = 'staff';
const SPEC: Record<string, string[]> = {
  'open>pending_verification': [M, S],
  'not_fixed>pending_verification': [M, S],
  'partially_fixed>pending_verification': [M, S],
  'pending_verification>verified_fixed': [S],
  'pending_verification>not_fixed': [S],
  'pending_verification>partially_fixed': [S],
  'open>risk_accepted': [S],
  'open>closed': [S],
  'not_fixed>risk_accepted': [S],
  'not_fixed>closed': [S],
  'partially_fixed>risk_accepted': [S],
  'partially_fixed>closed': [S],
  'verified_fixed>closed': [S],
  'verified_fixed>open': [S],
  'risk_accepted>open': [S],
  'risk_accepted>closed': [S],
  'closed>open': [S],
};

const ROLES = [
  { name: 'admin', user: { kind: 'staff', role: 'admin' } },
  { name: 'analyst', user: { kind: 'staff', role: 'analyst' } },
  { name: 'client Manager', user: { kind: 'portal', role: 'manager' } },
  { name: 'client Collaborator', user: { kind: 'portal', role: 'collaborator' } },
  { name: 'client Viewer', user: { kind: 'portal', role: 'viewer' } },
] as const;

const rows: [string, FindingStatus, FindingStatus, boolean][] = [];
for (const r of ROLES) {
  const actor = actorOf(r.user);
  for (const from of FINDING_STATUSES) {
    for (const to of FINDING_STATUSES) {
      if (from === to) continue;
      rows.push([r.name, from, to, !!actor && (SPEC[`${from}>${to}`] ?? []).includes(actor)]);
    }
  }
}

describe('the finding-status transition table', () => {
  it('has the expected number of cases (5 roles × 7 × 6 moves)', () => expect(rows).toHaveLength(5 * 7 * 6));

  it.each(rows)('%s: %s → %s allowed = %s', (role, from, to, allowed) => {
    const actor = actorOf(ROLES.find((r) => r.name === role)!.user);
    const res = checkTransition(from, to, actor);
    expect(res.ok).toBe(allowed);
    if (!res.ok) {
      // The refusal names the current status and what this actor may do from it.
      expect(res.message).toContain(STATUS_LABELS[from]);
      expect(res.message).toContain(STATUS_LABELS[to]);
      const mine = allowedFrom(from, actor);
      for (const s of mine) expect(res.message).toContain(STATUS_LABELS[s]);
      if (!mine.length) expect(res.message).toContain('no change');
      // 'role' when this actor never sets the target status; 'state' when only the current status is wrong.
      const ever = !!actor && Object.entries(SPEC).some(([k, by]) => k.endsWith(`>${to}`) && by.includes(actor));
      expect(res.reason).toBe(ever ? 'state' : 'role');
    }
  });

  it('gives Viewers and Collaborators (and staff viewers) nothing at all', () => {
    for (const user of [
      { kind: 'portal', role: 'viewer' },
      { kind: 'portal', role: 'collaborator' },
      { kind: 'staff', role: 'viewer' },
    ] as const) {
      expect(actorOf(user)).toBeNull();
      for (const s of FINDING_STATUSES) expect(allowedFrom(s, actorOf(user))).toEqual([]);
    }
  });

  it('only staff ever set a verdict status, Risk accepted or Closed', () => {
    for (const to of ['verified_fixed', 'not_fixed', 'partially_fixed', 'risk_accepted', 'closed'] as const) {
      for (const from of FINDING_STATUSES) expect(checkTransition(from, to, 'manager').ok).toBe(false);
    }
  });
});

describe('retest request transitions', () => {
  it.each([
    ['requested', 'scheduled', true],
    ['requested', 'done', true],
    ['scheduled', 'done', true],
    ['scheduled', 'scheduled', true],
    ['requested', 'requested', false],
    ['scheduled', 'requested', false],
    ['done', 'requested', false],
    ['done', 'scheduled', false],
    ['done', 'done', false],
  ] as const)('%s → %s allowed = %s', (from, to, ok) => {
    const r = checkRetestTransition(from, to);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.message).toContain(from);
  });
});

describe('deadlines', () => {
  const DAY = 86_400_000;
  const base = { severity: 'high' as const, status: 'open' as const, published_at: 1_000_000, due_paused_ms: 0, due_paused_at: null };

  it('is published + target days, overdue only past it while the client still has work', () => {
    const d = DEFAULT_REMEDIATION_DAYS;
    expect(dueOf(base, d, 0).dueAt).toBe(1_000_000 + 30 * DAY);
    expect(dueOf(base, d, 1_000_000 + 30 * DAY).overdue).toBe(false);
    expect(dueOf(base, d, 1_000_001 + 30 * DAY).overdue).toBe(true);
    for (const status of ['not_fixed', 'partially_fixed'] as const) expect(dueOf({ ...base, status }, d, 1e12).overdue).toBe(true);
    for (const status of ['verified_fixed', 'risk_accepted', 'closed', 'pending_verification'] as const)
      expect(dueOf({ ...base, status }, d, 1e12).overdue).toBe(false);
    expect(dueOf({ ...base, severity: 'informational' }, d, 1e12)).toMatchObject({ dueAt: null, overdue: false });
    expect(dueOf({ ...base, published_at: null }, d, 1e12).dueAt).toBeNull();
  });

  it('pauses while pending: the paused time is added, the running pause too', () => {
    const d = DEFAULT_REMEDIATION_DAYS;
    const start = 1_000_000 + DAY;
    const paused = { ...base, status: 'pending_verification' as const, ...pauseAfter(base, 'pending_verification', start) };
    expect(paused.due_paused_at).toBe(start);
    expect(dueOf(paused, d, start + 5 * DAY).dueAt).toBe(1_000_000 + 35 * DAY);
    const resumed = { ...paused, status: 'not_fixed' as const, ...pauseAfter(paused, 'not_fixed', start + 5 * DAY) };
    expect(resumed).toMatchObject({ due_paused_ms: 5 * DAY, due_paused_at: null });
    expect(dueOf(resumed, d, start + 50 * DAY).dueAt).toBe(1_000_000 + 35 * DAY);
  });

  it('reads the firm targets, falling back to defaults for bad values', () => {
    expect(parseRemediationDays('{"critical":3,"high":"x","low":0}')).toEqual({ critical: 3, high: 30, medium: 90, low: 180 });
    expect(parseRemediationDays('nonsense')).toEqual(DEFAULT_REMEDIATION_DAYS);
  });
});
