import { DAY, YEAR } from './rand.js';
import { inserter, type Gen, type People, type Person } from './gen.js';
import type { Work } from './work.js';
import { ipAddress, userAgent } from './text.js';
import { CHAINED_FIELDS, GENESIS, rowHash } from '../../../server/audit/canonical.js';

/**
 * Five years of the audit log (append-only, one row per action, as server/audit.ts writes them:
 * the actor, their client, the target, address, browser, outcome, JSON details) and the event
 * log's last week.
 */

type Side = 'staff' | 'portal' | 'any';
/** Actions the app writes, how often, by whom, about what. */
const ACTIONS: readonly (readonly [
  action: string,
  weight: number,
  side: Side,
  target: 'finding' | 'project' | 'reports' | 'report' | 'session' | 'client' | null,
])[] = [
  ['page.viewed', 30, 'portal', 'finding'],
  ['page.viewed', 8, 'portal', 'project'],
  ['page.viewed', 3, 'portal', 'reports'],
  ['auth.login', 12, 'any', null],
  ['auth.logout', 5, 'any', null],
  ['auth.mfa', 4, 'staff', null],
  ['finding.updated', 10, 'staff', 'finding'],
  ['finding.created', 3, 'staff', 'finding'],
  ['finding.published', 3, 'staff', 'finding'],
  ['finding.status_changed', 2, 'staff', 'finding'],
  ['remediation.submitted', 2, 'portal', 'finding'],
  ['remediation.verdict_given', 2, 'staff', 'finding'],
  ['report.downloaded', 4, 'any', 'report'],
  ['evidence.uploaded', 2, 'staff', 'finding'],
  ['project.updated', 2, 'staff', 'project'],
  ['client.updated', 1, 'staff', 'client'],
  ['session.ended', 3, 'any', 'session'],
  ['profile.updated', 1, 'any', null],
];

/** What the audit rows may point at: a sample of findings and projects, with the index of their client. */
export type AuditTargets = Pick<Work, 'findings'> & { projects: { id: string; client: number }[] };

/**
 * `total` rows over the `span` before now, chained as server/audit.ts chains them (prev_hash, hash
 * over the canonical form of server/audit/canonical.ts), so `npm run audit:verify` passes on them.
 */
export function makeAudit(g: Gen, people: People, work: AuditTargets, total: number, span = 5 * YEAR): number {
  const { r, now, sqlite } = g;
  const audit = inserter(sqlite, 'audit_events', [...CHAINED_FIELDS, 'prev_hash', 'hash']);
  const last = sqlite.prepare('select id, hash from audit_events order by id desc limit 1').get() as { id: number; hash: string | null } | undefined;
  let id = last?.id ?? 0;
  let prev = last?.hash ?? GENESIS;
  const portal = people.clients.flatMap((c) => c.users);
  const email = (p: Person) =>
    p.kind === 'staff' ? `staff${people.staff.indexOf(p)}@datascale.test` : `u${people.clients[p.client]!.users.indexOf(p)}@c${p.client}.datascale.test`;
  const emails = new Map([...people.staff, ...portal].map((p) => [p.id, email(p)]));
  const byClient = people.clients.map(() => [] as number[]);
  work.findings.forEach((f, i) => byClient[f.client]!.push(i));
  const projectsOf = people.clients.map(() => [] as string[]);
  for (const p of work.projects) projectsOf[p.client]!.push(p.id);
  const table = ACTIONS.map((a, i) => [i, a[1]] as const);
  // Activity grows over the years: times drawn with a gentle skew towards now, then sorted (ids ascend with time).
  const start = now - span;
  const times = new Float64Array(total);
  for (let i = 0; i < total; i++) times[i] = Math.floor(now - 60_000 - Math.pow(r.float(), 1.3) * (now - 60_000 - start));
  times.sort();
  for (let i = 0; i < total; i++) {
    const [action, , side, target] = ACTIONS[r.weighted(table)]!;
    const actor = side === 'staff' || (side === 'any' && r.chance(0.3)) ? r.pick(people.staff) : r.pick(portal);
    const c = actor.kind === 'portal' ? actor.client : r.int(0, people.clients.length - 1);
    const client = people.clients[c]!;
    const own = byClient[c]!;
    let targetId: string | null = null;
    if (target === 'finding' && own.length) targetId = work.findings[r.pick(own)]!.id;
    else if (target === 'project' && projectsOf[c]!.length) targetId = r.pick(projectsOf[c]!);
    else if (target === 'client') targetId = client.id;
    else if (target === 'report' || target === 'session') targetId = r.hex(24);
    const failed = action === 'auth.login' && r.chance(0.07);
    const details =
      action === 'finding.updated'
        ? JSON.stringify({ fields: r.sample(['description', 'impact', 'remediation', 'severity', 'cvssVector'], r.int(1, 3)), version: r.int(2, 9) })
        : action === 'finding.status_changed' || action === 'remediation.verdict_given'
          ? JSON.stringify({ from: 'pending_verification', to: r.pick(['verified_fixed', 'not_fixed', 'partially_fixed']), roundId: r.uuid() })
          : failed
            ? JSON.stringify({ reason: 'bad_password' })
            : null;
    const row = {
      id: ++id,
      at: times[i]!,
      actor_id: failed ? null : actor.id,
      actor_email: emails.get(actor.id)!,
      actor_kind: failed ? 'anonymous' : actor.kind,
      client_id: actor.kind === 'portal' || target ? client.id : null,
      action,
      target_type: failed ? 'user' : target === 'reports' ? 'reports' : target,
      target_id: failed ? actor.id : targetId,
      ip: ipAddress(r),
      user_agent: userAgent(r),
      outcome: failed ? 'failure' : 'success',
      request_id: r.uuid(),
      source: action === 'page.viewed' ? 'browser' : 'server',
      details,
    };
    const hash = rowHash(prev, row);
    audit(...CHAINED_FIELDS.map((f) => row[f]), prev, hash);
    prev = hash;
  }
  return total;
}

/**
 * The event log: the positions before the retention window were logged and pruned (the firm's
 * floor says so), the last week's changes are there, in commit order.
 */
export function writeEventLog(g: Gen): { events: number; floor: number } {
  const { sqlite } = g;
  const floor = g.pruned;
  if (floor > 0) {
    sqlite.prepare("insert into sqlite_sequence (name, seq) values ('client_events', ?)").run(floor);
    sqlite.prepare('update firm set event_floor = ?').run(floor);
  }
  const event = inserter(sqlite, 'client_events', ['client_id', 'type', 'audience', 'entity_id', 'data', 'at']);
  g.events.sort((a, b) => a.at - b.at);
  for (const e of g.events) event(e.client_id, e.type, e.audience, e.entity_id, e.data, e.at);
  return { events: g.events.length, floor };
}

export const EVENT_WINDOW_MS = 6 * DAY;
