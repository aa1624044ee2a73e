import { sql, type Kysely } from 'kysely';

/**
 * The firm's workspace: per-client portal configuration, projects and their staff team,
 * findings (with status history), evidence files, and versioned reports.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('modules', 'text', (c) => c.notNull().defaultTo('{"projects":true,"findings":true,"reports":true,"chat":true,"activity":true}'))
    .execute();
  await db.schema
    .alterTable('clients')
    .addColumn('visible_fields', 'text', (c) => c.notNull().defaultTo('{"cvss":true,"technicalDetails":true,"references":true,"evidence":true}'))
    .execute();

  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('restrict'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('planned', 'active', 'completed', 'archived')`))
    .addColumn('start_date', 'text')
    .addColumn('end_date', 'text')
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('projects_client').on('projects').column('client_id').execute();

  await db.schema
    .createTable('project_team')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('project_team_pk', ['project_id', 'user_id'])
    .modifyEnd(sql`strict`)
    .execute();

  await db.schema
    .createTable('findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('restrict'))
    // Denormalised from the project so every portal query can filter by the viewer's client directly.
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('restrict'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('critical', 'high', 'medium', 'low', 'informational')`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('impact', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('remediation', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('technical_details', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('cvss_vector', 'text')
    .addColumn('cvss_version', 'text', (c) => c.check(sql`cvss_version in ('3.1', '4.0')`))
    .addColumn('cvss_score', 'real')
    .addColumn('references_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('affected_assets_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('open')
        .check(sql`status in ('open', 'pending_verification', 'verified_fixed', 'not_fixed', 'partially_fixed', 'risk_accepted', 'closed')`),
    )
    .addColumn('published', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('published_at', 'integer')
    .addColumn('internal_notes', 'text', (c) => c.notNull().defaultTo(''))
    // Optimistic concurrency: every edit must name the version it read.
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('findings_project').on('findings').column('project_id').execute();
  await db.schema.createIndex('findings_client_published').on('findings').columns(['client_id', 'published']).execute();

  await db.schema
    .createTable('finding_status_history')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('finding_id', 'text', (c) => c.notNull().references('findings.id').onDelete('cascade'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('actor_id', 'text')
    .addColumn('at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('finding_status_history_finding').on('finding_status_history').columns(['finding_id', 'at']).execute();

  await db.schema
    .createTable('evidence')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('finding_id', 'text', (c) => c.notNull().references('findings.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('restrict'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('image', 'file')`))
    .addColumn('original_file', 'text', (c) => c.notNull())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    // The client-visible copy (images: redacted and re-encoded, metadata stripped) and its thumbnail.
    .addColumn('client_file', 'text')
    .addColumn('client_thumb_file', 'text')
    .addColumn('redactions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('caption', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('evidence_finding').on('evidence').column('finding_id').execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('restrict'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('restrict'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('published', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('published_at', 'integer')
    // Set when a download found the stored bytes no longer match the checksum.
    .addColumn('damaged_at', 'integer')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addUniqueConstraint('reports_project_title_version', ['project_id', 'title', 'version'])
    .modifyEnd(sql`strict`)
    .execute();
  await db.schema.createIndex('reports_client_published').on('reports').columns(['client_id', 'published']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['reports', 'evidence', 'finding_status_history', 'findings', 'project_team', 'projects']) await db.schema.dropTable(t).execute();
}
