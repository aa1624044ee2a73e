import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The firm's brand (issue 15, points 1–6). Written once for SQLite and PostgreSQL.
 * - `brand`: one row (id 1) once an admin saved a brand; no row = the default look. Colours are
 *   `#rrggbb`; each image column names a `brand_images` row (or null).
 * - `brand_images`: every processed upload (logo or favicon), named by the SHA-256 of its 1× file.
 *   An upload is stored here first and applies only when a brand referring to it is saved (clients
 *   see nothing before Save). Files are content-addressed and never rewritten.
 * - `mail_outbox`: the HTML part, the logo file it shows inline and the From name, fixed when the
 *   mail is queued, so a mail queued before a crash is sent the same after.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const int = postgres ? 'bigint' : 'integer';
  const strict = (t: { modifyEnd: (s: ReturnType<typeof sql>) => any }) => (postgres ? t : t.modifyEnd(sql`strict`));
  await strict(
    db.schema
      .createTable('brand_images')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('logo', 'favicon')`))
      .addColumn('file_1x', 'text', (c) => c.notNull())
      .addColumn('file_2x', 'text', (c) => c.notNull())
      .addColumn('width', int, (c) => c.notNull())
      .addColumn('height', int, (c) => c.notNull())
      .addColumn('created_at', int, (c) => c.notNull()),
  ).execute();
  await strict(
    db.schema
      .createTable('brand')
      .addColumn('id', int, (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('primary_colour', 'text', (c) => c.notNull())
      .addColumn('accent_colour', 'text', (c) => c.notNull())
      .addColumn('logo_light', 'text', (c) => c.references('brand_images.id'))
      .addColumn('logo_dark', 'text', (c) => c.references('brand_images.id'))
      .addColumn('favicon', 'text', (c) => c.references('brand_images.id'))
      .addColumn('updated_at', int, (c) => c.notNull()),
  ).execute();
  for (const column of ['html_body', 'logo_file', 'from_name']) {
    await db.schema.alterTable('mail_outbox').addColumn(column, 'text').execute();
  }
}
