import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { emptyDatabases } from '../support/migration-databases.js';
import { GENESIS, rowHash } from '../../server/audit/canonical.js';
import { writeAudit } from '../../server/audit.js';

/**
 * Migration 2026-12-06T1100_audit-chain on a live database: the audit rows already there (old ones
 * with nulls in the newer columns) are chained in id order from genesis with the canonical form,
 * and the writer then continues the chain; the same on both databases.
 */
const BEFORE = '2026-12-06T1000_audit-fields';
const databases = emptyDatabases();

describe.each(['SQLite', 'PostgreSQL'] as const)('the audit-chain migration on %s', (name) => {
  it('chains the existing rows from genesis in id order; new rows follow the last one', async () => {
    const { db, migrator } = databases[name];
    expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined();
    const old = db as unknown as Kysely<any>;
    await old
      .insertInto('audit_events')
      .values([
        { at: 1000, actor_email: 'a@example.test', action: 'auth.login', outcome: 'failure', details: '{"factor":"password"}' },
        { at: 2000, actor_id: 'u-1', client_id: 'c-1', action: 'report.downloaded', outcome: 'success', target_type: 'report', target_id: 'r-1' },
        { at: 3000, action: 'auth.login', outcome: 'success', actor_kind: 'staff', request_id: 'q', source: 'server', user_agent: 'é "x"' },
      ])
      .execute();
    expect((await migrator.migrateTo('2026-12-06T1100_audit-chain')).error).toBeUndefined();
    await writeAudit(db, { actorEmail: 'new@example.test' }, { action: 'auth.login', outcome: 'success' }, 4000);
    const rows = await db.selectFrom('audit_events').selectAll().orderBy('id').execute();
    expect(rows.map((r) => [r.id, r.at])).toEqual([
      [1, 1000],
      [2, 2000],
      [3, 3000],
      [4, 4000],
    ]);
    let prev = GENESIS;
    for (const r of rows) {
      expect(r.prev_hash).toBe(prev);
      expect(r.hash).toBe(rowHash(prev, r));
      prev = r.hash;
    }
    // The chain covers the stored values, nulls included: an old row's null actor_kind is part of it.
    expect(rows[0]!.actor_kind).toBeNull();
  });
});
