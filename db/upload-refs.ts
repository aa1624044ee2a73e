import type Database from 'better-sqlite3';

/**
 * Every column that names a stored upload (`<folder>/<name>`, relative to UPLOADS_DIR). The one
 * list the backup reads to know which files a snapshot needs, and the restore to check none is
 * missing. A new file column is added here.
 */
const FILE_COLUMNS: Record<string, string[]> = {
  users: ['avatar_file'],
  attachments: ['file', 'thumb_file'],
  evidence: ['original_file', 'client_file', 'client_thumb_file'],
  reports: ['file'],
  brand_images: ['file_1x', 'file_2x'],
  mail_outbox: ['logo_file'],
};

/**
 * Rows whose files are gone on purpose, per table: a deleted chat message keeps its attachment
 * rows (the tombstone's history) while its files are removed (server/commands/chat/delete.ts), and
 * nothing serves them again. Only applied where the schema has the columns it names.
 */
const GONE: Record<string, { needs: string; where: string }> = {
  attachments: { needs: 'message_id', where: 'message_id in (select id from chat_messages where deleted_at is not null)' },
};

/**
 * The uploads a database references (sorted, unique). Only the tables and columns its schema has
 * are read, so an older database (a pre-migration backup, a restore to migrate) works too.
 */
export function referencedUploads(sqlite: Database.Database): string[] {
  const names = new Set<string>();
  for (const [table, columns] of Object.entries(FILE_COLUMNS)) {
    const present = new Set((sqlite.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name));
    const gone = GONE[table] && present.has(GONE[table].needs) ? ` and not (${GONE[table].where})` : '';
    for (const column of columns.filter((c) => present.has(c))) {
      const rows = sqlite.prepare(`select "${column}" as f from "${table}" where "${column}" is not null${gone}`).all() as { f: string }[];
      for (const r of rows) names.add(r.f);
    }
  }
  return [...names].sort();
}
