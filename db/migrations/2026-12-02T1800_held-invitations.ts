import type { Kysely } from 'kysely';

/**
 * Held invitations: a client Manager who invites an address that already belongs to another
 * account (a staff member, another client's user) gets the same answer as for a new address, so
 * invitations are no way to learn who has an account. The invitation is held instead of sent: an
 * `invited` account with a placeholder address that can never receive mail or sign in, the
 * address the Manager typed in `held_email`, and why it was held in `held_reason`. Staff are told.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('held_email', 'text').execute();
  await db.schema.alterTable('users').addColumn('held_reason', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
