import type Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database as Schema } from '../../db/schema.js';
import { sessionCookieName } from '../../server/auth/cookie.js';
import { createSession } from '../../server/auth/session.js';
import { EVENT_WINDOW_MS, makeAudit, writeEventLog } from './datascale/audit.js';
import type { Gen, Person } from './datascale/gen.js';
import { makePeople } from './datascale/people.js';
import { Rand } from './datascale/rand.js';
import { makeChat, makeComments, makeNotifications } from './datascale/talk.js';
import { makeWork } from './datascale/work.js';

/**
 * A firm that has used Debrief for five years, generated deterministically (seeded PRNG) by
 * direct inserts into a freshly migrated database, before the server starts. At scale 1.0: 300
 * clients, 3,000 projects, 100,000 findings (one project with 2,000), one finding with 500
 * comments, 1,000,000 comments, 300,000 chat messages (200,000 in one busy channel), 20,000
 * notifications for one person, 5,000,000 audit rows, remediation rounds and retest requests.
 * Every count scales with `scale` (tests use ~0.02: the same shape, small).
 */

/** The sizes at scale 1.0. */
export const FULL_SIZE = {
  clients: 300,
  admins: 4,
  analysts: 40,
  projects: 3000,
  findings: 100_000,
  bigProjectFindings: 2000,
  comments: 1_000_000,
  bigFindingComments: 500,
  busyChannelMessages: 200_000,
  otherChatMessages: 100_000,
  heavyNotifications: 20_000,
  otherNotifications: 50_000,
  auditRows: 5_000_000,
};

export interface DataScaleOptions {
  scale: number;
  seed?: number;
  /** The firm's "now" (defaults to the clock): the sessions and the event log must be current when the server runs. */
  now?: number;
  /** DATA_DIR/uploads: evidence and report files are written there (rows only when absent). */
  uploadsDir?: string;
  /** Sessions made per measured person (one for serial requests, the rest for concurrent clients). */
  sessionsPerUser?: number;
  idleMs?: number;
  absoluteMs?: number;
}

export interface DataScale {
  /** Rows per table after generation. */
  rows: Record<string, number>;
  seconds: number;
  /** Seconds per part of the generation. */
  phases: Record<string, number>;
  ids: {
    busyClient: string;
    bigProject: string;
    bigFinding: string;
    /** The notification-heavy analyst (also the staff member the bench measures as). */
    analyst: string;
    admin: string;
    /** A Manager of the busy client. */
    manager: string;
    busyChatNewest: number;
    /** A message id about 95% of the way back in the busy channel (deep history paging). */
    busyChatDeep: number;
    eventFloor: number;
  };
  /** Session cookies (`name=token`), `sessionsPerUser` each. */
  cookies: { analyst: string[]; admin: string[]; manager: string[] };
}

const TABLES: (keyof Schema)[] = [
  'firm',
  'clients',
  'users',
  'client_staff',
  'projects',
  'project_team',
  'findings',
  'finding_status_history',
  'evidence',
  'reports',
  'remediation_rounds',
  'retest_requests',
  'retest_request_findings',
  'comments',
  'finding_followers',
  'chat_messages',
  'chat_reads',
  'notifications',
  'audit_events',
  'client_events',
  'sessions',
];

/**
 * Sessions by the server's own code (bench/lib/seed.ts does the same), so the cookies are valid:
 * `perUser` cookies (`name=token`) for each person named.
 */
export async function benchSessions<K extends string>(
  sqlite: Database.Database,
  people: Record<K, string>,
  perUser: number,
  o: { idleMs?: number; absoluteMs?: number } = {},
): Promise<Record<K, string[]>> {
  const kdb = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  const timeouts = { idleMs: o.idleMs ?? 30 * 60_000, absoluteMs: o.absoluteMs ?? 12 * 3_600_000 };
  const name = sessionCookieName(false);
  const at = Date.now();
  const cookies = {} as Record<K, string[]>;
  for (const [key, userId] of Object.entries(people) as [K, string][]) {
    cookies[key] = [];
    for (let i = 0; i < perUser; i++) {
      const { token } = await createSession(kdb, { userId, mfaVerified: true, ip: '127.0.0.1', userAgent: 'bench' }, at, timeouts);
      cookies[key].push(`${name}=${token}`);
    }
  }
  // Not destroyed: that would close the caller's handle.
  return cookies;
}

/** Fill a migrated, empty database (the raw better-sqlite3 handle of `db/client.ts`'s openDatabase). */
export async function generateDataScale(sqlite: Database.Database, o: DataScaleOptions): Promise<DataScale> {
  const t0 = performance.now();
  const s = o.scale;
  const n = (x: number, min = 1) => Math.max(min, Math.round(x * s));
  const now = o.now ?? Date.now();
  const g: Gen = {
    sqlite,
    r: new Rand(o.seed ?? 20_261_203),
    now,
    scale: s,
    uploadsDir: o.uploadsDir,
    windowStart: now - EVENT_WINDOW_MS,
    events: [],
    pruned: 0,
  };
  const F = FULL_SIZE;
  const clients = n(F.clients, 3);
  const big = n(F.bigProjectFindings, 100);
  const size = {
    projects: n(F.projects, clients),
    findings: n(F.findings, big + clients * 4),
    comments: n(F.comments, n(F.bigFindingComments, 100) * 2),
  };

  // Bulk-load settings for this connection only; the product's own are restored before the server opens the file.
  const saved = { cache: sqlite.pragma('cache_size', { simple: true }) };
  // MEMORY, not OFF: better-sqlite3 opens connections in defensive mode, which refuses OFF and
  // silently kept WAL (the whole firm then went through a 6 GB write-ahead log). Checked, so it can't again.
  const mode = sqlite.pragma('journal_mode = MEMORY', { simple: true });
  if (mode !== 'memory') throw new Error(`datascale: journal_mode stayed ${String(mode)}`);
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -1048576');
  let ids: DataScale['ids'];
  const phases: Record<string, number> = {};
  try {
    ids = sqlite.transaction(() => {
      const phase = <T>(name: string, fn: () => T): T => {
        const t = performance.now();
        const out = fn();
        phases[name] = Math.round((performance.now() - t) / 100) / 10;
        return out;
      };
      const people = makePeople(g, { clients, admins: n(F.admins), analysts: n(F.analysts, 2) });
      const heavy: Person = people.analysts[0]!;
      const admin: Person = people.admins[0]!;
      const manager: Person = people.clients[0]!.managers[0]!;
      const work = phase('projects, findings, remediation, files', () => makeWork(g, people, { projects: size.projects, findings: size.findings, big }));
      phase('comments', () => makeComments(g, people, work, { total: size.comments, big: n(F.bigFindingComments, 100) }));
      const chat = phase('chat', () =>
        makeChat(g, people, { busy: n(F.busyChannelMessages, 3200), others: n(F.otherChatMessages) }, { staff: [heavy, admin], busyManager: manager }),
      );
      phase('notifications', () => makeNotifications(g, people, work, { heavy: n(F.heavyNotifications), others: n(F.otherNotifications) }, heavy));
      phase('audit', () => makeAudit(g, people, work, n(F.auditRows)));
      const log = phase('event log', () => writeEventLog(g));
      return {
        busyClient: people.clients[0]!.id,
        bigProject: work.bigProject,
        bigFinding: work.bigFinding,
        analyst: heavy.id,
        admin: admin.id,
        manager: manager.id,
        busyChatNewest: chat.busyNewest,
        busyChatDeep: chat.busyDeep,
        eventFloor: log.floor,
      };
    })();
  } finally {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma(`cache_size = ${saved.cache}`);
  }

  const cookies = await benchSessions(sqlite, { analyst: ids.analyst, admin: ids.admin, manager: ids.manager }, o.sessionsPerUser ?? 21, o);
  const rows: Record<string, number> = {};
  for (const t of TABLES) rows[t] = Number(sqlite.prepare(`select count(*) as n from ${t}`).pluck().get());
  // Everything written so far into the database file itself, as a firm's database is (SQLite
  // checkpoints as it goes): left in the write-ahead log, the server's first write would copy
  // gigabytes back in the middle of the measurements (a run stalled for three minutes so).
  const t = performance.now();
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  phases.checkpoint = Math.round((performance.now() - t) / 100) / 10;
  return { rows, seconds: Math.round((performance.now() - t0) / 100) / 10, phases, ids, cookies };
}
