import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { prepared } from '../../server/repositories/prepared.js';
import { tempDir } from '../support/app.js';

/**
 * `prepared` builds a query once and runs it with new values: each slot takes its argument,
 * values written into the query stay as they are, and a transaction (another Kysely instance of
 * the same dialect) runs the same compiled query.
 */
describe('prepared queries', () => {
  let db: Db;
  let close: () => void;
  const dir = tempDir('debrief-prepared-');
  beforeAll(async () => {
    const opened = openDatabase(path.join(dir, 'db.sqlite'));
    db = opened.db;
    close = () => opened.sqlite.close();
    await migrateToLatest(db);
    const client = (id: string, name: string, portal: number) => ({ id, name, portal_enabled: portal, archived_at: null, created_at: 1, updated_at: 1 });
    await db
      .insertInto('clients')
      .values([client('a', 'Acme', 1), client('b', 'Beta', 1), client('c', 'Acme', 0)])
      .execute();
  });
  afterAll(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
  });

  let builds = 0;
  const byNameAndId = prepared<[string, string], { id: string }>((d, slot) => {
    builds++;
    return d.selectFrom('clients').select('id').where('portal_enabled', '=', 1).where('name', '=', slot(1)).where('id', '!=', slot(0)).orderBy('id');
  });

  it('puts each argument in its own slot and keeps the fixed values; builds once', async () => {
    expect(await byNameAndId(db, 'x', 'Acme')).toEqual([{ id: 'a' }]);
    expect(await byNameAndId(db, 'a', 'Acme')).toEqual([]);
    expect(await byNameAndId(db, 'a', 'Beta')).toEqual([{ id: 'b' }]);
    expect(await db.transaction().execute((trx) => byNameAndId(trx, 'z', 'Beta'))).toEqual([{ id: 'b' }]);
    expect(builds).toBe(1);
  });
});
