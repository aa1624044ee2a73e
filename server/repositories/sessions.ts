import { randomInt } from 'node:crypto';
import { sql, type Kysely, type ExpressionBuilder, type ExpressionWrapper, type SqlBool } from 'kysely';
import type { ClientRow, Database, FirmRow, SessionRow, UserRow } from '../../db/schema.js';
import { prepared } from './prepared.js';
import { isSignOutReason, type SignOutReason } from '../contracts/sign-out.js';
import { FIRM_SCOPING, type FirmScoping } from './staff-scope.js';

/**
 * Session rows. What a token is, how it is checked and when a session expires is the session
 * infrastructure's (`server/auth/session.ts`); ending sessions also tells their sockets
 * (`server/auth/revoke.ts`), which keeps its client-wide end and the expiry sweep.
 */

type Db = Kysely<Database>;

/** Store a new session. */
export async function insertSession(db: Db, session: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

/** The firm settings a session's validation reads: the default timeouts and who analysts see. */
type FirmSessionSettings = Pick<FirmRow, 'id' | 'session_idle_minutes' | 'session_absolute_hours' | 'staff_passkeys_only'> & FirmScoping;

/** A session with everything its validation needs: its person, their client (portal users) and the firm's settings. */
export interface SessionOwner {
  session: SessionRow;
  user: UserRow;
  client: ClientRow | undefined;
  firm: FirmSessionSettings | undefined;
}

/** Every column of a row type, listed once; `Complete` fails the build when the table gains one. */
type Complete<Row, L extends readonly (keyof Row)[]> = Exclude<keyof Row, L[number]> extends never ? L : never;
const columns =
  <Row>() =>
  <const L extends readonly (keyof Row)[]>(list: Complete<Row, L>) =>
    list;

const SESSION = columns<SessionRow>()([
  'id',
  'secret_hash',
  'user_id',
  'mfa_verified',
  'created_at',
  'last_active_at',
  'expires_at',
  'ip',
  'user_agent',
  'check_at',
  'passkey_owed',
]);
const USER = columns<UserRow>()([
  'id',
  'kind',
  'role',
  'client_id',
  'email',
  'name',
  'password_hash',
  'status',
  'created_at',
  'updated_at',
  'last_login_at',
  'totp_secret_enc',
  'totp_pending_enc',
  'totp_last_step',
  'avatar_file',
  'notify_prefs',
  'invited_by',
  'held_email',
  'held_reason',
  'passkey_count',
]);
const CLIENT = columns<ClientRow>()([
  'id',
  'name',
  'portal_enabled',
  'archived_at',
  'ip_allowlist',
  'session_idle_minutes',
  'session_absolute_hours',
  'modules',
  'visible_fields',
  'passkeys_only',
  'created_at',
  'updated_at',
]);
const FIRM = [
  'id',
  'session_idle_minutes',
  'session_absolute_hours',
  'staff_passkeys_only',
  ...FIRM_SCOPING,
] as const satisfies readonly (keyof FirmSessionSettings)[];

/** Each table's alias, columns, and the name each column has in the joined row (`u_email`). */
const PARTS = (
  [
    ['s', SESSION],
    ['u', USER],
    ['c', CLIENT],
    ['f', FIRM],
  ] as const
).map(([t, list]) => [t, list as readonly string[], list.map((c) => `${t}_${c}`)] as const);

/**
 * A session with its owner in one statement (every HTTP request and socket event validates one:
 * one read instead of four). The client is there for portal users, the firm once it is set up.
 */
export async function findSessionOwner(db: Db, sessionId: string): Promise<SessionOwner | undefined> {
  const row = (await sessionOwnerRow(db, sessionId))[0];
  if (!row) return undefined;
  const [session, user, client, firm] = PARTS.map(([, list, keys]) => {
    const part: Record<string, unknown> = {};
    list.forEach((c, i) => (part[c] = row[keys[i]!]));
    return part;
  });
  return {
    session: session as SessionRow,
    user: user as UserRow,
    client: row.c_id == null ? undefined : (client as ClientRow),
    firm: row.f_id == null ? undefined : (firm as FirmSessionSettings),
  };
}

const sessionOwnerRow = prepared<[string], Record<string, unknown>>(
  (db, slot) =>
    db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .leftJoin('clients as c', 'c.id', 'u.client_id')
      .leftJoin('firm as f', (j) => j.onTrue())
      .select(PARTS.flatMap(([t, list, keys]) => list.map((c, i) => `${t}.${c} as ${keys[i]}`)) as never[])
      .where('s.id', '=', slot(0)) as never,
);

/** Record activity on a session (moves its idle clock). */
export async function touchSession(db: Db, sessionId: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_active_at: now }).where('id', '=', sessionId).execute();
}

/** A session the sweep looks at: its times, its person's status and the timeouts that apply to it. */
export interface SweptSession extends Pick<SessionRow, 'id' | 'created_at' | 'last_active_at' | 'expires_at' | 'check_at'> {
  status: string;
  client: Pick<ClientRow, 'session_idle_minutes' | 'session_absolute_hours'> | undefined;
  firm: Pick<FirmRow, 'session_idle_minutes' | 'session_absolute_hours'> | undefined;
}

/**
 * The sessions the sweep must look at now (through the `check_at` index, at most `limit`), and
 * every session of a person no longer active (their users are few; their sessions read by user).
 */
export async function sessionsToSweep(db: Db, now: number, limit: number): Promise<SweptSession[]> {
  const swept = () =>
    db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .leftJoin('clients as c', 'c.id', 'u.client_id')
      .leftJoin('firm as f', (j) => j.onTrue())
      .select([
        's.id',
        's.created_at',
        's.last_active_at',
        's.expires_at',
        's.check_at',
        'u.status',
        'u.client_id',
        'c.session_idle_minutes as c_idle',
        'c.session_absolute_hours as c_absolute',
        'f.id as f_id',
        'f.session_idle_minutes as f_idle',
        'f.session_absolute_hours as f_absolute',
      ]);
  const [due, ofInactive] = await Promise.all([
    swept().where('s.check_at', '<=', now).orderBy('s.check_at').limit(limit).execute(),
    swept()
      .where('s.user_id', 'in', db.selectFrom('users').select('id').where('status', '!=', 'active'))
      .execute(),
  ]);
  const byId = new Map([...due, ...ofInactive].map((r) => [r.id, r]));
  return [...byId.values()].map((r) => ({
    id: r.id,
    created_at: r.created_at,
    last_active_at: r.last_active_at,
    expires_at: r.expires_at,
    check_at: r.check_at,
    status: r.status,
    client: r.client_id == null ? undefined : { session_idle_minutes: r.c_idle, session_absolute_hours: r.c_absolute },
    firm: r.f_id == null ? undefined : { session_idle_minutes: r.f_idle, session_absolute_hours: r.f_absolute },
  }));
}

/**
 * When the sweep looks at each of these sessions next (their `check_at`), each only if its
 * `check_at` is still the one the sweep read with its timeouts (`was`): a recheck committed
 * meanwhile (new timeouts) wins, and the next sweep judges that session by them.
 */
export async function setSessionsCheckAt(db: Db, next: { id: string; was: number; at: number }[]): Promise<void> {
  if (next.length === 0) return;
  const run = async (trx: Db) => {
    for (const { id, was, at } of next) await trx.updateTable('sessions').set({ check_at: at }).where('id', '=', id).where('check_at', '=', was).execute();
  };
  await (db.isTransaction ? run(db) : db.transaction().execute(run));
}

/**
 * Have the sweep look at these sessions (a client's people, or everyone) at its next run: their
 * timeouts may have become shorter, so the end it computed before may now come too late. The mark
 * is a negative number of its own (due at once, and unlike any the sweep may have read before
 * these timeouts were saved), so a sweep that read the old timeouts cannot write over it.
 */
export async function recheckSessions(db: Db, clientId?: string): Promise<void> {
  const mark = -1 - randomInt(2 ** 47);
  await db
    .updateTable('sessions')
    .set({ check_at: mark })
    .$if(clientId !== undefined, (q) => q.where('user_id', 'in', db.selectFrom('users').select('id').where('client_id', '=', clientId!)))
    .execute();
}

/** Delete one session. */
export async function deleteSessionRow(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** A person's unexpired sessions, most recently active first. */
export function listLiveSessions(db: Db, userId: string, now: number): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll().where('user_id', '=', userId).where('expires_at', '>', now).orderBy('last_active_at', 'desc').execute();
}

/** The ids of all of a person's sessions (expired ones included, until swept). */
export async function sessionIdsOf(db: Db, userId: string): Promise<string[]> {
  return (await db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).map((s) => s.id);
}

/** Which sessions an ending covers: a condition on the `sessions` table. */
export type SessionPick = (eb: ExpressionBuilder<Database, 'sessions'>) => ExpressionWrapper<Database, 'sessions', SqlBool>;

/**
 * End the picked sessions for a reason: the reason is written to `session_endings` (with the
 * secret's hash, so only the cookie's holder is told) and the sessions are deleted, in one
 * transaction (the caller's, when it passes one). Returns the ended ids. A null reason (the person
 * signed out, or signed in again) deletes without a record.
 */
export async function endSessionRows(db: Db, pick: SessionPick, reason: SignOutReason | null, now: number): Promise<string[]> {
  const run = async (trx: Db) => {
    if (reason !== null)
      await trx
        .insertInto('session_endings')
        .columns(['session_id', 'secret_hash', 'reason', 'ended_at'])
        .expression((eb) =>
          eb
            .selectFrom('sessions')
            .select(['id', 'secret_hash', sql<string>`cast(${reason} as text)`.as('reason'), sql<number>`cast(${now} as bigint)`.as('ended_at')])
            .where(pick),
        )
        .onConflict((oc) => oc.column('session_id').doNothing())
        .execute();
    const rows = await trx.deleteFrom('sessions').where(pick).returning('id').execute();
    return rows.map((r) => r.id);
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Why a session ended, with the secret's hash to check the cookie against (undefined: no record). */
export async function findSessionEnding(db: Db, sessionId: string): Promise<{ secret_hash: Uint8Array; reason: string } | undefined> {
  return db.selectFrom('session_endings').select(['secret_hash', 'reason']).where('session_id', '=', sessionId).executeTakeFirst();
}

/** Forget endings older than `before` (the sweep). */
export async function pruneSessionEndings(db: Db, before: number): Promise<void> {
  await db.deleteFrom('session_endings').where('ended_at', '<', before).execute();
}

/** Why each of these ended sessions ended (those with a recorded reason): a socket is told before it is closed. */
export async function sessionEndingReasons(db: Db, sessionIds: string[]): Promise<Map<string, SignOutReason>> {
  const out = new Map<string, SignOutReason>();
  for (let i = 0; i < sessionIds.length; i += 1000) {
    const rows = await db
      .selectFrom('session_endings')
      .select(['session_id', 'reason'])
      .where('session_id', 'in', sessionIds.slice(i, i + 1000))
      .execute();
    for (const r of rows) if (isSignOutReason(r.reason)) out.set(r.session_id, r.reason);
  }
  return out;
}
