import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AffectedPersonDTO, ConsequencePartDTO } from '../contracts/confirmation.js';
import type { Module } from '../contracts/workspace.js';
import { ipAllowed } from '../auth/ip-allowlist.js';
import { namesOf, peopleCount } from '../confirmation.js';

/**
 * What a destructive switch would do, read inside the transaction that would apply it (the
 * commands call these after locking the row they change). Each answers a part of the consequence
 * the person confirms (server/confirmation.ts), or null when the change reaches no one.
 */

type Db = Kysely<Database>;

/** The server's default timeouts (config), used where neither the client nor the firm sets one. */
export interface DefaultTimeouts {
  idleMs: number;
  absoluteMs: number;
}

/** A timeout pair as stored: minutes and hours, null = the next level's. */
export interface StoredTimeouts {
  idleMinutes: number | null;
  absoluteHours: number | null;
}

interface LiveSession {
  userId: string;
  name: string;
  email: string;
  ip: string | null;
  createdAt: number;
  lastActiveAt: number;
  expiresAt: number;
  client: StoredTimeouts | null;
}

const byName = (a: AffectedPersonDTO, b: AffectedPersonDTO) => a.name.localeCompare(b.name) || a.email.localeCompare(b.email);

/** Each person once, by name. */
function peopleOf(rows: { userId: string; name: string; email: string }[]): AffectedPersonDTO[] {
  const seen = new Map<string, AffectedPersonDTO>();
  for (const r of rows) seen.set(r.userId, { id: r.userId, name: r.name, email: r.email });
  return [...seen.values()].sort(byName);
}

/** Milliseconds of the first timeout set: client, then firm, then the server's default. */
function effective(client: StoredTimeouts | null, firm: StoredTimeouts, defaults: DefaultTimeouts): DefaultTimeouts {
  const idle = client?.idleMinutes ?? firm.idleMinutes;
  const absolute = client?.absoluteHours ?? firm.absoluteHours;
  return { idleMs: idle === null ? defaults.idleMs : idle * 60_000, absoluteMs: absolute === null ? defaults.absoluteMs : absolute * 3_600_000 };
}

/** Whether a session is over under these timeouts (the same test as session validation). */
function over(s: LiveSession, t: DefaultTimeouts, now: number): boolean {
  return now >= s.expiresAt || now >= s.createdAt + t.absoluteMs || now - s.lastActiveAt >= t.idleMs;
}

async function firmTimeouts(db: Db): Promise<StoredTimeouts> {
  const f = await db.selectFrom('firm').select(['session_idle_minutes', 'session_absolute_hours']).where('id', '=', 1).executeTakeFirst();
  return { idleMinutes: f?.session_idle_minutes ?? null, absoluteHours: f?.session_absolute_hours ?? null };
}

/** The sessions of active people (one client's portal users, or everyone), with what decides when they end. */
async function sessionsOf(db: Db, clientId: string | null): Promise<LiveSession[]> {
  let q = db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('clients as c', 'c.id', 'u.client_id')
    .select(['u.id as userId', 'u.name', 'u.email', 's.ip', 's.created_at', 's.last_active_at', 's.expires_at', 'c.id as clientId'])
    .select(['c.session_idle_minutes as idle', 'c.session_absolute_hours as absolute'])
    .where('u.status', '=', 'active');
  if (clientId !== null) q = q.where('u.client_id', '=', clientId);
  const rows = await q.execute();
  return rows.map((r) => ({
    userId: r.userId,
    name: r.name,
    email: r.email,
    ip: r.ip,
    createdAt: Number(r.created_at),
    lastActiveAt: Number(r.last_active_at),
    expiresAt: Number(r.expires_at),
    client: r.clientId ? { idleMinutes: r.idle, absoluteHours: r.absolute } : null,
  }));
}

/** The client's portal users who can sign in now. */
async function activePortalPeople(db: Db, clientId: string): Promise<AffectedPersonDTO[]> {
  const rows = await db
    .selectFrom('users')
    .select(['id as userId', 'name', 'email'])
    .where('client_id', '=', clientId)
    .where('kind', '=', 'portal')
    .where('status', '=', 'active')
    .execute();
  return peopleOf(rows);
}

/** Turning the portal off: who is signed out now, and everyone who can no longer sign in. */
export async function portalOffConsequence(
  db: Db,
  client: { id: string; name: string },
  defaults: DefaultTimeouts,
  now: number,
): Promise<ConsequencePartDTO | null> {
  const people = await activePortalPeople(db, client.id);
  if (people.length === 0) return null;
  const firm = await firmTimeouts(db);
  const live = peopleOf((await sessionsOf(db, client.id)).filter((s) => !over(s, effective(s.client, firm, defaults), now)));
  const message = live.length
    ? `${peopleCount(live.length)} of ${client.name} will be signed out now (${namesOf(live)}) and can't sign in until you turn the portal back on.` +
      (people.length > live.length ? ` ${peopleCount(people.length - live.length)} more can't sign in either.` : '')
    : `No one of ${client.name} is signed in now; its ${peopleCount(people.length)} can't sign in until you turn the portal back on.`;
  return { kind: 'portal_off', message, people: live.length ? live : people };
}

/** A client's new allowlist and/or timeouts: the live sessions they would end, and whose they are. */
export async function clientSessionsEndConsequence(
  db: Db,
  client: { id: string; name: string; allowlist: string[] | undefined; timeouts: StoredTimeouts },
  defaults: DefaultTimeouts,
  now: number,
): Promise<ConsequencePartDTO | null> {
  const firm = await firmTimeouts(db);
  const ending = (await sessionsOf(db, client.id)).filter(
    (s) =>
      !over(s, effective(s.client, firm, defaults), now) &&
      ((client.allowlist !== undefined && client.allowlist.length > 0 && !ipAllowed(s.ip, client.allowlist)) ||
        over(s, effective(client.timeouts, firm, defaults), now)),
  );
  const people = peopleOf(ending);
  if (people.length === 0) return null;
  return {
    kind: 'sessions_end',
    message: `This ends the live sessions of ${peopleCount(people.length)} of ${client.name} now: ${namesOf(people)}.`,
    people,
  };
}

/** The firm's new default timeouts: the live sessions (staff, and clients without their own) they would end. */
export async function firmSessionsEndConsequence(db: Db, timeouts: StoredTimeouts, defaults: DefaultTimeouts, now: number): Promise<ConsequencePartDTO | null> {
  const firm = await firmTimeouts(db);
  const ending = (await sessionsOf(db, null)).filter(
    (s) => !over(s, effective(s.client, firm, defaults), now) && over(s, effective(s.client, timeouts, defaults), now),
  );
  const people = peopleOf(ending);
  if (people.length === 0) return null;
  return { kind: 'sessions_end', message: `The shorter timeouts end the live sessions of ${peopleCount(people.length)} now: ${namesOf(people)}.`, people };
}

const MODULE_NAMES: Record<Module, string> = { projects: 'Projects', findings: 'Findings', reports: 'Reports', chat: 'Chat', activity: 'Activity' };

/** Locking modules: the client's people lose them at once (open pages show the padlock). */
export async function moduleLockConsequence(db: Db, client: { id: string; name: string }, locked: Module[]): Promise<ConsequencePartDTO | null> {
  if (locked.length === 0) return null;
  const people = await activePortalPeople(db, client.id);
  if (people.length === 0) return null;
  const names = namesOf(
    locked.map((m) => ({ name: MODULE_NAMES[m] })),
    locked.length,
  );
  return {
    kind: 'module_locked',
    message: `${peopleCount(people.length)} of ${client.name} will lose ${names} at once; pages they have open show a padlock.`,
    people,
  };
}

/** Publishing a finding: the client sees it, and these people are notified. */
export async function publishConsequence(db: Db, finding: { title: string }, clientName: string, notified: { id: string }[]): Promise<ConsequencePartDTO> {
  const ids = notified.map((p) => p.id);
  const rows = ids.length ? await db.selectFrom('users').select(['id as userId', 'name', 'email']).where('id', 'in', ids).execute() : [];
  const people = peopleOf(rows);
  const seen = `"${finding.title}" becomes visible to ${clientName}.`;
  const message = people.length
    ? `${seen} ${peopleCount(people.length)} will be notified: ${namesOf(people)}.`
    : `${seen} No one is notified now (no one there can open Findings yet).`;
  return { kind: 'finding_published', message, people };
}

/** Turning staff MFA off: staff may sign in with a password alone; those without 2FA are named. */
export async function staffMfaOffConsequence(db: Db): Promise<ConsequencePartDTO> {
  const rows = await db
    .selectFrom('users')
    .select(['id as userId', 'name', 'email'])
    .where('kind', '=', 'staff')
    .where('status', '=', 'active')
    .where('totp_secret_enc', 'is', null)
    .execute();
  const people = peopleOf(rows);
  const message =
    'Staff will be able to sign in with a password alone, and anyone holding a staff password reaches every client they may see.' +
    (people.length ? ` ${peopleCount(people.length)} without 2FA set up will no longer be asked for it: ${namesOf(people)}.` : '');
  return { kind: 'staff_mfa_off', message, people };
}
