import { expect } from 'vitest';
import type { Selectable } from 'kysely';
import type { AuditEventTable } from '../../db/schema.js';
import type { TestApp } from './app.js';
import { AUDIT_ACTIONS } from '../../server/contracts/audit-actions.js';

export type AuditRow = Selectable<AuditEventTable>;

/** The user agent the audit tests send, so each row can be told to carry it. */
export const AUDIT_UA = 'audit-table-test/1.0';

/** The newest audit row id (0 when none). */
export async function lastAuditId(app: TestApp): Promise<number> {
  const r = await app.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(r?.id ?? 0);
}

/** The rows written after `afterId`, oldest first. */
export function auditRowsAfter(app: TestApp, afterId: number): Promise<AuditRow[]> {
  return app.db.selectFrom('audit_events').selectAll().where('id', '>', afterId).orderBy('id').execute();
}

/**
 * Run `act` and expect it to have written exactly one audit row, complete (issue 15, point 10):
 * a catalogued action, the UTC time now, the actor (or claimed e-mail) and its kind, the client,
 * the target, IP, user agent, outcome, request id and source, matching `expected`.
 */
export async function expectOneRow(app: TestApp, act: () => Promise<unknown>, expected: Partial<AuditRow>): Promise<AuditRow> {
  const before = await lastAuditId(app);
  const startedAt = app.clock();
  await act();
  // A download's row is written once its last byte is sent, just after the browser has the answer.
  let rows = await auditRowsAfter(app, before);
  for (let waited = 0; rows.length === 0 && waited < 2000; waited += 20) {
    await new Promise((r) => setTimeout(r, 20));
    rows = await auditRowsAfter(app, before);
  }
  expect(
    rows.map((r) => r.action),
    `rows written for ${expected.action}`,
  ).toEqual([expected.action]);
  const row = rows[0]!;
  expect(row).toMatchObject(expected);
  expect(Object.keys(AUDIT_ACTIONS)).toContain(row.action);
  expect(Number(row.at)).toBeGreaterThanOrEqual(startedAt - 1000);
  expect(Number(row.at)).toBeLessThanOrEqual(app.clock() + 1000);
  expect(['success', 'failure', 'denied']).toContain(row.outcome);
  expect(['staff', 'portal', 'anonymous']).toContain(row.actor_kind);
  if (row.actor_kind !== 'anonymous') expect(row.actor_id).toBeTruthy();
  expect(row.actor_email).toBeTruthy();
  expect(row.ip).toMatch(/127\.0\.0\.1/);
  expect(row.user_agent).toBe(AUDIT_UA);
  expect(row.request_id).toBeTruthy();
  expect(row.source).toBe('server');
  if (row.target_id !== null) expect(row.target_type).toBeTruthy();
  if (row.details !== null) expect(() => JSON.parse(row.details!)).not.toThrow();
  return row;
}
