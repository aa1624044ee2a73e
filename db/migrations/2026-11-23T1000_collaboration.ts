import { sql, type Kysely } from 'kysely';

/**
 * Live collaboration and remediation: the ordered per-client event log, comments, the chat
 * channel, attachments, notifications, followers; remediation rounds, retest requests and
 * remediation deadlines.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // The event log. Positions are global and assigned in commit order (one writer); a reader
  // filters by client. Rows older than the retention are pruned; firm.event_floor remembers the
  // highest pruned position so a cursor below it gets an explicit "resync".
  await db.schema
    .createTable('client_events')
    .addColumn('position', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull().check(sql`audience in ('all', 'staff')`))
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('client_events_client').on('client_events').columns(['client_id', 'position']).execute();
  await db.schema
    .alterTable('firm')
    .addColumn('event_floor', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Remediation targets in days per severity (informational has none).
  await db.schema
    .alterTable('firm')
    .addColumn('remediation_days', 'text', (c) => c.notNull().defaultTo('{"critical":7,"high":30,"medium":90,"low":180}'))
    .execute();

  await db.schema
    .createTable('comments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('finding_id', 'text', (c) => c.notNull().references('findings.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    // 1 = an internal note (staff only) until a staff member shares it with the client.
    .addColumn('internal', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('shared_by', 'text')
    .addColumn('shared_at', 'integer')
    .addColumn('client_message_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('edited_at', 'integer')
    .addColumn('deleted_at', 'integer')
    .addUniqueConstraint('comments_idempotency', ['author_id', 'client_message_id'])
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('comments_finding').on('comments').columns(['finding_id', 'created_at']).execute();

  await db.schema
    .createTable('finding_followers')
    .addColumn('finding_id', 'text', (c) => c.notNull().references('findings.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('finding_followers_pk', ['finding_id', 'user_id'])
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('chat_messages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
    .addColumn('author_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('client_message_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('edited_at', 'integer')
    .addColumn('deleted_at', 'integer')
    .addUniqueConstraint('chat_messages_idempotency', ['author_id', 'client_message_id'])
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('chat_messages_client').on('chat_messages').columns(['client_id', 'id']).execute();

  await db.schema
    .createTable('chat_reads')
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('last_read_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('chat_reads_pk', ['client_id', 'user_id'])
    .modifyEnd(sql`strict`)
    .execute();

  // Files shared in the chat or attached to a remediation round: uploaded first (pending, owned
  // by the uploader), then attached by the message or round that uses them.
  await db.schema
    .createTable('attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
    .addColumn('uploader_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('chat', 'remediation')`))
    .addColumn('message_id', 'integer', (c) => c.references('chat_messages.id'))
    .addColumn('round_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('image', 'file')`))
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('thumb_file', 'text')
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('attachments_message').on('attachments').column('message_id').execute();
  await db.schema.createIndex('attachments_round').on('attachments').column('round_id').execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('finding_id', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('link', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('read_at', 'integer')
    .addColumn('emailed_at', 'integer')
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'read_at', 'id']).execute();

  // Remediation: the pause of the deadline clock while a finding waits for verification.
  await db.schema
    .alterTable('findings')
    .addColumn('due_paused_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('findings').addColumn('due_paused_at', 'integer').execute();

  await db.schema
    .createTable('retest_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id'))
    .addColumn('requested_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('requested')
        .check(sql`status in ('requested', 'scheduled', 'done')`),
    )
    .addColumn('scheduled_for', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema
    .createTable('retest_request_findings')
    .addColumn('request_id', 'text', (c) => c.notNull().references('retest_requests.id').onDelete('cascade'))
    .addColumn('finding_id', 'text', (c) => c.notNull().references('findings.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('retest_request_findings_pk', ['request_id', 'finding_id'])
    .modifyEnd(sql`strict`)
    .execute();

  // One submit-and-verdict round. The submission is fixed when written; the verdict is written
  // once. Triggers make both facts hold whatever code runs.
  await db.schema
    .createTable('remediation_rounds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('finding_id', 'text', (c) => c.notNull().references('findings.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('round_no', 'integer', (c) => c.notNull())
    .addColumn('retest_request_id', 'text', (c) => c.references('retest_requests.id'))
    .addColumn('submitted_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('submitted_at', 'integer', (c) => c.notNull())
    .addColumn('submit_notes', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.check(sql`verdict in ('verified_fixed', 'not_fixed', 'partially_fixed')`))
    .addColumn('verdict_by', 'text', (c) => c.references('users.id'))
    .addColumn('verdict_at', 'integer')
    .addColumn('verdict_notes', 'text')
    .addUniqueConstraint('remediation_rounds_no', ['finding_id', 'round_no'])
    .modifyEnd(sql`strict`)
    .execute();
  await sql`create trigger remediation_rounds_frozen before update on remediation_rounds
    when old.verdict is not null
      or new.finding_id is not old.finding_id or new.client_id is not old.client_id or new.round_no is not old.round_no
      or new.submitted_by is not old.submitted_by or new.submitted_at is not old.submitted_at or new.submit_notes is not old.submit_notes
    begin select raise(abort, 'remediation rounds cannot be changed'); end`.execute(db);
  await sql`create trigger remediation_rounds_kept before delete on remediation_rounds
    begin select raise(abort, 'remediation rounds cannot be deleted'); end`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('forward-only');
}
