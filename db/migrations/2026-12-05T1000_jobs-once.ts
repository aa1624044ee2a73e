import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Jobs that run once across several instances (issue 14, points 11 and 12). Written once for
 * SQLite and PostgreSQL through the two helpers below.
 * - The mail outbox gets a `sending` status and a lease (`lease_until`): a mailer claims due mails
 *   by setting both, so two mailers never take the same mail; a mail whose lease ran out (its
 *   mailer died mid-send) goes back to pending.
 * - `setup_code` holds the hash of the one first-run setup code (one row at most): the first
 *   instance to start without a staff account issues it, every instance checks it, setup deletes it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await outboxLease(db, postgres);
  await setupCodeTable(db, postgres);
}

const STATUSES = sql`status in ('pending', 'sending', 'sent', 'stored', 'failed')`;

/**
 * A new value in the status check and a new column. PostgreSQL alters the table in place; SQLite
 * cannot change a check, so its table is rebuilt the documented way (new table, copy, drop,
 * rename, index again), in the migration's transaction. Nothing refers to mail_outbox.
 */
async function outboxLease(db: Kysely<any>, postgres: boolean): Promise<void> {
  if (postgres) {
    await sql`alter table mail_outbox drop constraint mail_outbox_status_check`.execute(db);
    await sql`alter table mail_outbox add constraint mail_outbox_status_check check (${STATUSES})`.execute(db);
    await sql`alter table mail_outbox add column lease_until bigint`.execute(db);
    return;
  }
  await db.schema
    .createTable('mail_outbox_new')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(STATUSES))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'integer')
    .addColumn('lease_until', 'integer')
    .modifyEnd(sql`strict`)
    .execute();
  await sql`insert into mail_outbox_new (id, to_address, subject, text_body, kind, status, attempts, last_error, next_attempt_at, created_at, sent_at)
    select id, to_address, subject, text_body, kind, status, attempts, last_error, next_attempt_at, created_at, sent_at from mail_outbox`.execute(db);
  await db.schema.dropTable('mail_outbox').execute();
  await db.schema.alterTable('mail_outbox_new').renameTo('mail_outbox').execute();
  await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
}

/** One row at most (id 1): the hash of the issued code, when it was issued, and until when its issuer holds it. */
async function setupCodeTable(db: Kysely<any>, postgres: boolean): Promise<void> {
  await db.schema
    .createTable('setup_code')
    .addColumn('id', postgres ? 'bigint' : 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('code_hash', postgres ? sql`text collate "C"` : 'text', (c) => c.notNull())
    .addColumn('issued_at', postgres ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('held_until', postgres ? 'bigint' : 'integer', (c) => c.notNull())
    .$call((t) => (postgres ? t : t.modifyEnd(sql`strict`)))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
