import { sql, type Kysely } from 'kysely';

/**
 * Staff least privilege. `firm.analysts_see_all_clients` (1 by default, so a small firm notices
 * nothing): when 0, an analyst sees and acts only on the clients they are assigned to here or
 * whose project team they are on; admins always see every client (policies/access.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('firm')
    .addColumn('analysts_see_all_clients', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createTable('client_staff')
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('assigned_by', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('client_staff_pk', ['client_id', 'user_id'])
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('client_staff_user').on('client_staff').column('user_id').execute();
  await db.schema.createIndex('project_team_user').on('project_team').column('user_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
