import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * Passkeys (issue 17): WebAuthn credentials a person registered, the single-use challenges of the
 * ceremonies in flight, and the policy that can require them.
 *
 * - `passkeys`: one row per credential (its id and public key as base64url, the signature counter,
 *   the backup flags), named by its owner, with its last use. `users.passkey_count` follows the
 *   rows in the same transaction, so a session's one read knows whether a person has any.
 * - `passkey_challenges`: one per ceremony in flight, bound to the session that asked (or, before
 *   any session, to a cookie's hash), deleted when used or past `expires_at`.
 * - `sessions.passkey_owed`: 1 = the person proved their authenticator app or a recovery code but
 *   must register a passkey before this session counts as verified (the passkeys-only policy).
 * - `firm.passwordless_sign_in`, `firm.staff_passkeys_only`, `clients.passkeys_only`: 0 = off.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const time = postgres ? 'bigint' : 'integer';
  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('credential_id', 'text', (c) => c.notNull().unique())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', time, (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .execute();
  await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();
  await db.schema
    .createTable('passkey_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('challenge', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('passkey_challenges_expiry').on('passkey_challenges').column('expires_at').execute();
  await db.schema
    .alterTable('users')
    .addColumn('passkey_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('sessions')
    .addColumn('passkey_owed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('firm')
    .addColumn('passwordless_sign_in', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('firm')
    .addColumn('staff_passkeys_only', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('clients')
    .addColumn('passkeys_only', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
