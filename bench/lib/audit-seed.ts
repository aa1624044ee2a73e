import type Database from 'better-sqlite3';
import { makeAudit, type AuditTargets } from './datascale/audit.js';
import type { Gen } from './datascale/gen.js';
import { makePeople } from './datascale/people.js';
import { Rand, YEAR } from './datascale/rand.js';
import { benchSessions } from './datascale-seed.js';

/** The `audit` scenario's firm at full size (issue 15): 50 clients, 2,000 people, one year, 2,000,000 rows. */
export const AUDIT_FULL = { clients: 50, admins: 5, analysts: 45, perClient: 39, rows: 2_000_000 };

export interface AuditFirm {
  seconds: number;
  rows: number;
  ids: { admin: string; manager: string; client: string; person: string };
  cookies: { admin: string[]; manager: string[] };
}

/**
 * A firm and a year of its audit trail, by direct inserts into a freshly migrated database
 * (deterministic seed): the people of bench/lib/datascale/people.ts and the rows of
 * bench/lib/datascale/audit.ts, chained as the server chains them, then sessions for an admin
 * and a Manager of the first client.
 */
export async function generateAuditFirm(sqlite: Database.Database, o: { rows: number; sessionsPerUser: number; now?: number }): Promise<AuditFirm> {
  const t0 = performance.now();
  const now = o.now ?? Date.now();
  const g: Gen = { sqlite, r: new Rand(20_261_206), now, scale: 1, windowStart: now, events: [], pruned: 0 };
  sqlite.pragma('synchronous = OFF');
  const people = sqlite.transaction(() => {
    const people = makePeople(g, { clients: AUDIT_FULL.clients, admins: AUDIT_FULL.admins, analysts: AUDIT_FULL.analysts, perClient: AUDIT_FULL.perClient });
    // Targets: ids the rows point at (the audit trail keeps ids; these findings and projects need not exist here).
    const targets: AuditTargets = { findings: [], projects: [] };
    people.clients.forEach((_, c) => {
      for (let i = 0; i < 40; i++)
        targets.findings.push({ id: g.r.uuid(), client: c, project: 0, title: '', published: true, createdAt: now, publishedAt: now });
      for (let i = 0; i < 4; i++) targets.projects.push({ id: g.r.uuid(), client: c });
    });
    makeAudit(g, people, targets, o.rows, YEAR);
    return people;
  })();
  sqlite.pragma('synchronous = FULL');
  const client = people.clients[0]!;
  const ids = { admin: people.admins[0]!.id, manager: client.managers[0]!.id, client: client.id, person: client.users[1]!.id };
  const cookies = await benchSessions(sqlite, { admin: ids.admin, manager: ids.manager }, o.sessionsPerUser);
  const rows = Number(sqlite.prepare('select count(*) from audit_events').pluck().get());
  return { seconds: Math.round((performance.now() - t0) / 100) / 10, rows, ids, cookies };
}
