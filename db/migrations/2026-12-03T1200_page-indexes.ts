import type { Kysely } from 'kysely';

/**
 * The indexes the pages need at a firm's real size (issue 19; each named by the query it serves,
 * and tests/integration/query-plans.test.ts fails when a page's query scans a large table):
 * - findings (project_id, severity, status): a project's finding counts read from the index alone
 *   (it replaces findings_project, of which it is a prefix);
 * - findings (status, severity, published_at, … id): the verification queue (one status) and the
 *   remediation summaries — counts by status, the overdue findings (open statuses, per severity
 *   published before its deadline) and their due times — read from the index alone;
 * - remediation_rounds (retest_request_id) and retest_request_findings (finding_id): retests and a
 *   finding's remediation look these up by the other side;
 * - notifications (user_id, id): one person's notifications newest first without sorting them all;
 * - projects (status, created_at): the staff Projects page, current or finished ones, newest first;
 * - chat_messages (client_id, id, author_id, deleted_at): a channel's newest message and the unread
 *   count after a read position from the index alone (it replaces chat_messages_client, its prefix);
 * - findings (client_id, published, published_at, status, severity, project_id, id) and
 *   finding_status_history (finding_id, at, from_status, to_status, id): the portal dashboard's
 *   counts, progress and latest changes without reading a finding's or a change's row (they
 *   replace findings_client_published and finding_status_history_finding, their prefixes).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('findings_project').execute();
  await db.schema.createIndex('findings_project_counts').on('findings').columns(['project_id', 'severity', 'status']).execute();
  await db.schema
    .createIndex('findings_status')
    .on('findings')
    .columns(['status', 'severity', 'published_at', 'published', 'client_id', 'due_paused_ms', 'due_paused_at', 'id'])
    .execute();
  await db.schema.createIndex('remediation_rounds_retest').on('remediation_rounds').column('retest_request_id').execute();
  await db.schema.createIndex('retest_request_findings_finding').on('retest_request_findings').column('finding_id').execute();
  await db.schema.createIndex('notifications_user_id').on('notifications').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('projects_status_created').on('projects').columns(['status', 'created_at']).execute();
  await db.schema.dropIndex('chat_messages_client').execute();
  await db.schema.createIndex('chat_messages_channel').on('chat_messages').columns(['client_id', 'id', 'author_id', 'deleted_at']).execute();
  await db.schema.dropIndex('findings_client_published').execute();
  await db.schema
    .createIndex('findings_client_visible')
    .on('findings')
    .columns(['client_id', 'published', 'published_at', 'status', 'severity', 'project_id', 'id'])
    .execute();
  await db.schema.dropIndex('finding_status_history_finding').execute();
  await db.schema
    .createIndex('finding_status_history_changes')
    .on('finding_status_history')
    .columns(['finding_id', 'at', 'from_status', 'to_status', 'id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
