import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { Insertable } from 'kysely';
import type { ClientRow, ClientTable, NewUser, PortalRole, StaffRole, UserRow } from '../../db/schema.js';
import { hashPassword } from '../../server/auth/password.js';
import { createSession } from '../../server/auth/session.js';
import { sessionCookieName } from '../../server/auth/cookie.js';
import type { TestApp } from './app.js';
import { Agent } from './http.js';

/** The password every factory-built account has (long enough, not on the common list). */
export const PASSWORD = 'correct horse battery staple 42';

let seq = 0;
const next = () => `${Date.now().toString(36)}${(++seq).toString(36)}`;

let hashed: Promise<string> | undefined;
/** Hash PASSWORD once per test file: argon2id is deliberately slow. */
const passwordHash = () => (hashed ??= hashPassword(PASSWORD));

/** The firm row (created once). */
export async function buildFirm(
  db: Db,
  overrides: Partial<{ name: string; support_email: string; support_phone: string; mfa_required_for_staff: number; analysts_see_all_clients: number }> = {},
) {
  const now = Date.now();
  await db
    .insertInto('firm')
    .values({
      id: 1,
      name: 'Acme Security',
      support_email: 'support@acme.test',
      support_phone: '+44 20 7946 0000',
      mfa_required_for_staff: 0,
      created_at: now,
      updated_at: now,
      ...overrides,
    })
    .onConflict((oc) => (Object.keys(overrides).length ? oc.column('id').doUpdateSet(overrides) : oc.column('id').doNothing()))
    .execute();
  return db.selectFrom('firm').selectAll().executeTakeFirstOrThrow();
}

/** A client organisation (portal enabled unless told otherwise). */
export async function buildClient(db: Db, overrides: Partial<Insertable<ClientTable>> = {}): Promise<ClientRow> {
  const now = Date.now();
  const id = overrides.id ?? randomUUID();
  await db
    .insertInto('clients')
    .values({ id, name: `Client ${next()}`, portal_enabled: 1, created_at: now, updated_at: now, ...overrides })
    .execute();
  return db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function insertUser(db: Db, row: NewUser): Promise<UserRow> {
  await db.insertInto('users').values(row).execute();
  return db.selectFrom('users').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
}

/** An active staff account (analyst unless told otherwise). */
export async function buildStaff(db: Db, overrides: Partial<NewUser> & { role?: StaffRole } = {}): Promise<UserRow> {
  await buildFirm(db);
  const now = Date.now();
  return insertUser(db, {
    id: randomUUID(),
    kind: 'staff',
    role: 'analyst',
    client_id: null,
    email: `staff-${next()}@acme.test`,
    name: 'Sam Analyst',
    password_hash: await passwordHash(),
    status: 'active',
    created_at: now,
    updated_at: now,
    ...overrides,
  });
}

/** An active portal user of a client (a new client is made when none is given; Viewer unless told otherwise). */
export async function buildPortalUser(db: Db, overrides: Partial<NewUser> & { role?: PortalRole } = {}): Promise<UserRow> {
  await buildFirm(db);
  const clientId = overrides.client_id ?? (await buildClient(db)).id;
  const now = Date.now();
  return insertUser(db, {
    id: randomUUID(),
    kind: 'portal',
    role: 'viewer',
    client_id: clientId,
    email: `user-${next()}@client.test`,
    name: 'Pat Client',
    password_hash: await passwordHash(),
    status: 'active',
    created_at: now,
    updated_at: now,
    ...overrides,
  });
}

/**
 * An Agent signed in as `user`, skipping the password and second factor (those have their own
 * tests): the session is created directly, fully verified unless `mfaVerified: false`.
 */
export async function signIn(app: TestApp, user: UserRow, opts: { mfaVerified?: boolean } = {}): Promise<Agent> {
  const { token } = await createSession(app.db, { userId: user.id, mfaVerified: opts.mfaVerified ?? true, ip: '127.0.0.1', userAgent: 'vitest' }, app.clock(), {
    idleMs: app.config.sessionIdleMs,
    absoluteMs: app.config.sessionAbsoluteMs,
  });
  const agent = new Agent(app.url);
  agent.cookie = `${sessionCookieName(app.config.secureCookies)}=${token}`;
  return agent;
}
