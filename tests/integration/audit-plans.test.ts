import { CompiledQuery, sql } from 'kysely';
import { appendAuditRows } from '../../server/audit.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectOf } from '../../db/client.js';
import type { AuditFilters } from '../../server/contracts/audit.js';
import { accessLogSql, auditRowsSql } from '../../server/policies/audit.js';
import { auditBatchQuery, auditPageQuery, filterConditions, pageOrderOf } from '../../server/repositories/audit-read.js';
import { startTestApp, type TestApp } from '../support/app.js';

/**
 * Every filter combination the Audit page (and its export, and the Access log) can send reads
 * audit_events through an index (issue 15, point 12): SQLite's `EXPLAIN QUERY PLAN` shows no
 * `SCAN` of audit_events (the FTS5 table is searched, not audit_events), PostgreSQL's `EXPLAIN`
 * no sequential scan of it with sequential scans disabled (so a plan that still reads it row by
 * row has no index to use). Runs on the run's database, with rows and statistics in place.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    at: 1_700_000_000_000 + i * 60_000,
    actor_id: `u${i % 40}`,
    actor_email: `p${i % 40}@x.test`,
    client_id: `c${i % 7}`,
    action: ['auth.login', 'report.downloaded', 'page.viewed', 'comment.created'][i % 4]!,
    target_type: 'user',
    target_id: `t${i}`,
    ip: `10.0.${i % 250}.${i % 7}`,
    outcome: i % 9 ? 'success' : 'failure',
    actor_kind: i % 3 ? 'portal' : 'staff',
  }));
  for (let i = 0; i < rows.length; i += 500) await appendAuditRows(app.db, rows.slice(i, i + 500));
  // PostgreSQL plans from statistics (autovacuum gathers them); SQLite here has none, as in production (nothing runs ANALYZE).
  if (dialectOf(app.db) === 'postgres') await sql`analyze`.execute(app.db);
}, 60_000);
afterAll(() => app?.close());

/** Every combination of the page's filters (action: none, one name, or a group prefix). */
function combinations(): AuditFilters[] {
  const out: AuditFilters[] = [];
  for (let mask = 0; mask < 64; mask++)
    for (const action of [undefined, 'auth.login', 'auth.']) {
      const f: AuditFilters = {};
      if (mask & 1) f.clientId = 'c3';
      if (mask & 2) f.actorId = 'u7';
      if (mask & 4) f.outcome = 'failure';
      if (mask & 8) f.from = '2023-11-15';
      if (mask & 16) f.to = '2023-11-16';
      if (mask & 32) f.q = 'p7@x.test';
      if (action) f.action = action;
      out.push(f);
    }
  return out;
}

/** The full reads of audit_events in a statement's plan (empty when it is only ever searched). */
async function scansOf(q: { sql: string; parameters: readonly unknown[] }): Promise<string[]> {
  if (dialectOf(app.db) === 'postgres') {
    return app.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const r = await trx.executeQuery<{ 'QUERY PLAN': { Plan: Record<string, unknown> }[] }>(
        CompiledQuery.raw(`explain (format json) ${q.sql}`, [...q.parameters]),
      );
      const walk = (n: Record<string, unknown>): string[] => [
        ...(n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'audit_events' ? ['Seq Scan on audit_events'] : []),
        ...((n.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(walk),
      ];
      return walk(r.rows[0]!['QUERY PLAN'][0]!.Plan);
    });
  }
  const r = await app.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]));
  return r.rows.map((x) => x.detail).filter((d) => /^SCAN a\b/.test(d) || /^SCAN audit_events\b/.test(d));
}

/**
 * SQLite only (it plans without statistics, so the reader names the index, server/repositories/audit-read.ts):
 * whether a page's rows are sorted after reading instead of read in order. A sort reads every
 * matching row before the first is returned: 433,000 rows for "auth." over two million (the bench).
 */
async function sortsOf(q: { sql: string; parameters: readonly unknown[] }): Promise<string[]> {
  if (dialectOf(app.db) === 'postgres') return [];
  const r = await app.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]));
  return r.rows.map((x) => x.detail).filter((d) => d.includes('TEMP B-TREE FOR ORDER BY'));
}

const admin = { kind: 'staff' as const, role: 'admin' as const, status: 'active' as const, client_id: null, scope: 'all' as const };
const scopedAnalyst = { kind: 'staff' as const, role: 'analyst' as const, status: 'active' as const, client_id: null, scope: ['c3', 'c4'] };

describe('audit reads use an index for every filter combination', () => {
  it('the check sees a full scan (a filter without an index would be caught)', async () => {
    const q = app.db
      .selectFrom('audit_events as a')
      .selectAll('a')
      .where(sql<boolean>`a.user_agent = ${'x'}`)
      .compile();
    expect((await scansOf(q)).length).toBe(1);
  });

  for (const [who, viewer] of [
    ['an admin', admin],
    ['a scoped analyst', scopedAnalyst],
  ] as const) {
    it(`the Audit page, first and later pages, and the export batches, as ${who}`, async () => {
      const offences: string[] = [];
      for (const f of combinations()) {
        const where = [auditRowsSql(viewer), ...filterConditions(app.db, f)];
        for (const q of [
          auditPageQuery(app.db, where, null, 51),
          auditPageQuery(app.db, where, { at: 1_700_000_000_000 + 2000 * 60_000, id: 2000 }, 51),
          auditBatchQuery(app.db, where, 0, 3000, 1000),
        ]) {
          const compiled = q.compile();
          for (const s of await scansOf(compiled)) offences.push(`${JSON.stringify(f)}: ${s}`);
        }
      }
      expect(offences).toEqual([]);
    });
  }

  it("an admin's pages are read in order through one index, free text too: no sort of the matches (SQLite)", async () => {
    const offences: string[] = [];
    for (const f of combinations()) {
      const where = [auditRowsSql(admin), ...filterConditions(app.db, f)];
      const order = pageOrderOf(f);
      for (const q of [
        auditPageQuery(app.db, where, null, 51, order),
        auditPageQuery(app.db, where, { at: 1_700_000_000_000 + 2000 * 60_000, id: 2000 }, 51, order),
      ]) {
        for (const s of await sortsOf(q.compile())) offences.push(`${JSON.stringify(f)}: ${s}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('free text is answered by the search index (FTS5 on SQLite, the GIN index on PostgreSQL)', async () => {
    const q = auditPageQuery(app.db, filterConditions(app.db, { q: 'p7@x.test' }), null, 51).compile();
    const plan =
      dialectOf(app.db) === 'postgres'
        ? await app.db.transaction().execute(async (trx) => {
            await sql`set local enable_seqscan = off`.execute(trx);
            await sql`set local enable_indexscan = off`.execute(trx);
            return JSON.stringify((await trx.executeQuery(CompiledQuery.raw(`explain (format json) ${q.sql}`, [...q.parameters]))).rows);
          })
        : JSON.stringify((await app.db.executeQuery(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]))).rows);
    expect(plan).toContain(dialectOf(app.db) === 'postgres' ? 'audit_events_search' : 'audit_events_fts');
  });

  it("a Manager's Access log, with each of its filters", async () => {
    const offences: string[] = [];
    for (const f of combinations().filter((c) => !c.clientId && !c.outcome && !c.q)) {
      const where = [accessLogSql('c3'), ...filterConditions(app.db, f)];
      for (const s of await scansOf(auditPageQuery(app.db, where, null, 51).compile())) offences.push(`${JSON.stringify(f)}: ${s}`);
    }
    expect(offences).toEqual([]);
  });
});
