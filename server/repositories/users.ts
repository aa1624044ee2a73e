import type { Insertable, Kysely } from 'kysely';
import type { Database, UserRow, UserTable } from '../../db/schema.js';

/**
 * The `users` rows the account flows and the sign-in infrastructure (`server/auth/`) read and
 * write: sign-in, second factor, invitations, setup, profile, avatar. First argument: the db, or
 * the caller's transaction. Managing people (the directory) is `server/commands/`'s own for now.
 */

type Db = Kysely<Database>;

/** A person by id, or undefined. */
export function findUser(db: Db, userId: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
}

/** A person by id who must exist (re-read after a write in the same transaction). */
export function getUser(db: Db, userId: string): Promise<UserRow> {
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
}

/** A person by their (lower-cased) email, or undefined. */
export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

/** Who a person is, for deciding who may act on their account. */
export function findUserKind(db: Db, userId: string): Promise<Pick<UserRow, 'id' | 'kind' | 'client_id'> | undefined> {
  return db.selectFrom('users').select(['id', 'kind', 'client_id']).where('id', '=', userId).executeTakeFirst();
}

/** Whom a person's avatar may be shown to, and its stored file. */
export function findAvatarOwner(db: Db, userId: string): Promise<Pick<UserRow, 'kind' | 'client_id' | 'avatar_file'> | undefined> {
  return db.selectFrom('users').select(['kind', 'client_id', 'avatar_file']).where('id', '=', userId).executeTakeFirst();
}

/** Whether any staff account exists (setup closes with the first). */
export async function anyStaffExists(db: Db): Promise<boolean> {
  return !!(await db.selectFrom('users').select('id').where('kind', '=', 'staff').executeTakeFirst());
}

/** Create an account. */
export async function insertUser(db: Db, values: Insertable<UserTable>): Promise<void> {
  await db.insertInto('users').values(values).execute();
}

/** A completed sign-in. */
export async function markSignedIn(db: Db, userId: string, now: number): Promise<void> {
  await db.updateTable('users').set({ last_login_at: now }).where('id', '=', userId).execute();
}

/** A new password (already hashed). */
export async function setPasswordHash(db: Db, userId: string, passwordHash: string, now: number): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', userId).execute();
}

/** The name and notification preferences (JSON) a person changes on their profile; absent ones stay. */
export async function updateProfileFields(db: Db, userId: string, fields: { name?: string; notify_prefs?: string }, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({
      ...(fields.name !== undefined && { name: fields.name }),
      ...(fields.notify_prefs !== undefined && { notify_prefs: fields.notify_prefs }),
      updated_at: now,
    })
    .where('id', '=', userId)
    .execute();
}

/** The sealed TOTP secret being enrolled, until a code activates it. */
export async function setPendingTotp(db: Db, userId: string, sealed: string, now: number): Promise<void> {
  await db.updateTable('users').set({ totp_pending_enc: sealed, updated_at: now }).where('id', '=', userId).execute();
}

/**
 * Make the pending secret the active one, with its first used step; only while `pending` is still
 * the pending secret (a second enrolment started meanwhile wins). False when nothing changed.
 */
export async function activatePendingTotp(db: Db, userId: string, pending: string, step: number, now: number, signedIn: boolean): Promise<boolean> {
  const updated = await db
    .updateTable('users')
    .set({ totp_secret_enc: pending, totp_pending_enc: null, totp_last_step: step, updated_at: now, ...(signedIn ? { last_login_at: now } : {}) })
    .where('id', '=', userId)
    .where('totp_pending_enc', '=', pending)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Forget a person's authenticator (active, pending and its last step). */
export async function clearTotp(db: Db, userId: string, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ totp_secret_enc: null, totp_pending_enc: null, totp_last_step: null, updated_at: now })
    .where('id', '=', userId)
    .execute();
}

/** A person's stored avatar file (null: none). */
export async function avatarFileOf(db: Db, userId: string): Promise<string | null> {
  return (await db.selectFrom('users').select('avatar_file').where('id', '=', userId).executeTakeFirstOrThrow()).avatar_file;
}

/** Point a person at a new avatar file, or at none. */
export async function setAvatarFile(db: Db, userId: string, file: string | null, now: number): Promise<void> {
  await db.updateTable('users').set({ avatar_file: file, updated_at: now }).where('id', '=', userId).execute();
}

/** Activate an invited account with its first password (already hashed); false: it is no longer invited, and nothing changed. */
export async function activateInvitedUser(db: Db, userId: string, passwordHash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ password_hash: passwordHash, status: 'active', updated_at: now })
    .where('id', '=', userId)
    .where('status', '=', 'invited')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Record an accepted TOTP step, only if it is later than the stored one (false: another request
 * used this step or a later one first). The condition sits in the UPDATE itself, so two
 * concurrent requests with the same code cannot both succeed.
 */
export async function advanceTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where((w) => w.or([w('totp_last_step', 'is', null), w('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
