import { describe, expect, it } from 'vitest';
import { emptyDatabases } from '../support/migration-databases.js';
import { buildClient, buildPortalUser } from '../support/factories.js';
import { buildNotification } from '../support/notifications.js';

/**
 * Migration 2026-12-03T2100_chat-unread-once on a live database: unread chat notifications that
 * already repeat a (person, client) — made by two messages at once before the index existed — are
 * resolved (the newest stays unread), so the unique index can be built; the same on both databases.
 */
const BEFORE = '2026-12-03T1400_history-client';
const databases = emptyDatabases();

describe.each(['SQLite', 'PostgreSQL'] as const)('the chat-unread-once migration on %s', (name) => {
  it('keeps the newest unread chat notification per person and client, marks the others read, then holds the rule', async () => {
    const { db, migrator } = databases[name];
    const upTo = name === 'SQLite' ? BEFORE : '2026-12-03T1400_baseline';
    expect((await migrator.migrateTo(upTo)).error).toBeUndefined();

    const person = await buildPortalUser(db);
    const other = await buildClient(db);
    const chat = (clientId: string, created_at: number, read_at: number | null = null) =>
      buildNotification(db, person.id, { kind: 'chat', client_id: clientId, created_at, read_at });
    const older = await chat(person.client_id!, 1000);
    const newer = await chat(person.client_id!, 2000);
    const newest = await chat(person.client_id!, 3000);
    const read = await chat(person.client_id!, 500, 600);
    const elsewhere = await chat(other.id, 1500);
    const mention = await buildNotification(db, person.id, { kind: 'mention', client_id: person.client_id, created_at: 1200 });

    // Up to this migration (later ones are tested on their own).
    const applied = await migrator.migrateTo('2026-12-03T2100_chat-unread-once');
    expect(applied.error).toBeUndefined();
    expect(applied.results?.map((r) => r.migrationName)).toEqual(['2026-12-03T2100_chat-unread-once']);
    const rows = await db.selectFrom('notifications').select(['id', 'read_at']).where('user_id', '=', person.id).orderBy('id').execute();
    expect(rows).toEqual([
      { id: older.id, read_at: 3000 },
      { id: newer.id, read_at: 3000 },
      { id: newest.id, read_at: null },
      { id: read.id, read_at: 600 },
      { id: elsewhere.id, read_at: null },
      { id: mention.id, read_at: null },
    ]);
    await expect(chat(person.client_id!, 4000)).rejects.toThrow(/unique|duplicate/i);
    await chat(person.client_id!, 4000, 4100);
  });
});
