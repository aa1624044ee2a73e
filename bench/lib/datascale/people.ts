import { DAY, YEAR } from './rand.js';
import { inserter, type ClientInfo, type Gen, type People, type Person } from './gen.js';
import { orgName, personName } from './text.js';

/** Every module on, as a new client gets it (the bench measures every page). */
const MODULES_ON = JSON.stringify({ projects: true, findings: true, reports: true, chat: true, activity: true });
const FIELDS_ON = JSON.stringify({ cvss: true, technicalDetails: true, references: true, evidence: true });

const USER_COLS = ['id', 'kind', 'role', 'client_id', 'email', 'name', 'password_hash', 'status', 'created_at', 'updated_at', 'last_login_at', 'invited_by'];

/**
 * The firm, its staff (admins and analysts) and its clients with their portal users. Nobody has
 * a password: the bench signs people in with sessions made by the server's own code. Client 0
 * is the busy one (the oldest, with the most people).
 */
export function makePeople(g: Gen, n: { clients: number; admins: number; analysts: number; perClient?: number }): People {
  const { r, now, sqlite } = g;
  const start = now - 5 * YEAR;
  // The firm keeps its audit trail (retention null): its five years of rows are what is measured,
  // not the first prune of them that the default 400 days would start a minute after the server.
  sqlite
    .prepare(
      'insert into firm (id, name, support_email, support_phone, mfa_required_for_staff, session_idle_minutes, session_absolute_hours, audit_retention_days, created_at, updated_at) values (1, ?, ?, ?, 0, null, null, null, ?, ?)',
    )
    .run('Datascale Security', 'support@datascale.test', '+44 20 7946 0000', start, start);
  const user = inserter(sqlite, 'users', USER_COLS);
  const staff: Person[] = [];
  for (let i = 0; i < n.admins + n.analysts; i++) {
    const p: Person = { id: r.uuid(), name: personName(r, i), kind: 'staff', role: i < n.admins ? 'admin' : 'analyst', active: true, client: -1 };
    const at = i < n.admins ? start : Math.floor(r.range(start, now - 30 * DAY));
    user(p.id, 'staff', p.role, null, `staff${i}@datascale.test`, p.name, null, 'active', at, at, now - r.int(0, 30) * DAY, i ? staff[0]!.id : null);
    staff.push(p);
  }
  const admins = staff.slice(0, n.admins);
  const analysts = staff.slice(n.admins);

  const client = inserter(sqlite, 'clients', [
    'id',
    'name',
    'portal_enabled',
    'archived_at',
    'session_idle_minutes',
    'session_absolute_hours',
    'modules',
    'visible_fields',
    'created_at',
    'updated_at',
  ]);
  const assign = inserter(sqlite, 'client_staff', ['client_id', 'user_id', 'assigned_by', 'created_at']);
  const clients: ClientInfo[] = [];
  for (let c = 0; c < n.clients; c++) {
    const createdAt = c === 0 ? start + DAY : Math.floor(r.range(start + DAY, now - 60 * DAY));
    const name = orgName(r, c);
    const info: ClientInfo = {
      id: r.uuid(),
      name,
      domain: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`,
      createdAt,
      users: [],
      talkers: [],
      managers: [],
      staff: new Set(),
    };
    client(info.id, name, 1, null, null, null, MODULES_ON, FIELDS_ON, createdAt, createdAt);
    const people = n.perClient ?? (c === 0 ? 15 : r.int(3, 12));
    for (let u = 0; u < people; u++) {
      const role = u === 0 || (u === 1 && r.chance(0.5)) ? 'manager' : r.chance(0.6) ? 'collaborator' : 'viewer';
      const active = u === 0 || !r.chance(0.04);
      const p: Person = { id: r.uuid(), name: personName(r, u + 20), kind: 'portal', role, active, client: c };
      const at = Math.floor(r.range(createdAt, Math.min(now - DAY, createdAt + YEAR)));
      user(
        p.id,
        'portal',
        role,
        info.id,
        `u${u}@c${c}.datascale.test`,
        p.name,
        null,
        active ? 'active' : 'removed',
        at,
        at,
        active ? now - r.int(0, 90) * DAY : null,
        admins[0]!.id,
      );
      info.users.push(p);
      if (active && role !== 'viewer') info.talkers.push(p);
      if (active && role === 'manager') info.managers.push(p);
    }
    // Analysts explicitly assigned (they matter once the firm scopes analysts).
    for (const a of r.sample(analysts, r.int(1, 3))) assign(info.id, a.id, admins[0]!.id, createdAt);
    clients.push(info);
  }
  return { admins, analysts, staff, clients };
}
