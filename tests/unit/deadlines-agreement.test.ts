import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { FINDING_STATUSES, SEVERITIES } from '../../server/contracts/workspace.js';
import { dueOf, dueSql, type RemediationDays } from '../../server/services/deadlines.js';
import { tempDir } from '../support/app.js';
import { buildFinding, buildProject } from '../support/workspace.js';

/**
 * Remediation deadlines are one rule written twice: `dueOf` for a finding in hand and `dueSql`
 * for counts and lists over years of findings (issue 19: the staff home used to load every
 * published finding to count them). This test stores every combination that matters — each
 * severity and status, published or not, paused or not, with and without paused time, just
 * before and after each deadline — and proves the SQL says what the function says, row for row.
 */

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const DAYS: RemediationDays = { critical: 3, high: 20, medium: 60, low: 120 };

let db: Db;
let close: () => void;
beforeAll(async () => {
  const opened = openDatabase(path.join(tempDir('debrief-deadlines-'), 'test.db'));
  db = opened.db;
  close = () => opened.sqlite.close();
  await migrateToLatest(db);
  const project = await buildProject(db);
  for (const severity of SEVERITIES)
    for (const status of FINDING_STATUSES)
      for (const published of [false, true])
        for (const offsetDays of [-1, 1])
          for (const pausedMs of [0, 2 * DAY])
            for (const pausedAgo of [null, 0, 3 * DAY, -DAY]) {
              const target = severity === 'informational' ? 0 : DAYS[severity] * DAY;
              await buildFinding(db, {
                project_id: project.id,
                severity,
                status,
                published,
                published_at: published ? NOW - target - offsetDays * DAY : null,
                due_paused_ms: pausedMs,
                due_paused_at: pausedAgo === null ? null : NOW - pausedAgo,
              });
            }
});
afterAll(() => close?.());

describe('dueOf and dueSql', () => {
  it('agree on every stored combination: the due time, overdue, and overdue only where it may be', async () => {
    const due = dueSql('f', DAYS, NOW);
    const rows = await db
      .selectFrom('findings as f')
      .selectAll('f')
      .select([
        due.dueAt.as('sql_due'),
        sql<number>`case when ${due.overdue} then 1 else 0 end`.as('sql_overdue'),
        sql<number>`case when ${due.mayBeOverdue} then 1 else 0 end`.as('sql_may'),
      ])
      .execute();
    expect(rows.length).toBe(SEVERITIES.length * FINDING_STATUSES.length * 2 * 2 * 2 * 4);
    let overdue = 0;
    for (const r of rows) {
      const js = dueOf(r, DAYS, NOW);
      const label = `${r.severity} ${r.status} published_at=${r.published_at} paused=${r.due_paused_ms}/${r.due_paused_at}`;
      expect(r.sql_due, label).toBe(js.dueAt);
      expect(r.sql_overdue === 1, label).toBe(js.overdue);
      if (js.overdue) expect(r.sql_may, label).toBe(1);
      if (js.overdue) overdue++;
    }
    // The grid reaches both answers (a rule that said "never overdue" would not pass).
    expect(overdue).toBeGreaterThan(20);
    expect(rows.filter((r) => r.sql_overdue === 0).length).toBeGreaterThan(overdue);
  });
});
