import type { AuditAction } from '../../server/contracts/audit-actions.js';
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASES, tempDir } from '../support/app.js';
import { startPgCluster, type PgCluster } from '../support/postgres.js';
import { runScript } from '../support/scripts.js';
import { openDatabase, openPostgres, type Db } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadConfig } from '../../server/config.js';
import { writeAudit, writeAudits } from '../../server/audit.js';
import { checkpointMessage, rowHash } from '../../server/audit/canonical.js';
import { pruneAudit, writeAuditCheckpoint } from '../../server/audit/checkpoints.js';
import { auditPublicKeyPem } from '../../server/audit/signing-key.js';

/**
 * `npm run audit:verify` (issue 15, point 16) as a person runs it, on a log the real writer made:
 * 12 rows (1–4 dated 40 days back), signed checkpoints at rows 6 and 12. Each tamper case stops
 * writing, opens the database directly, drops the append-only triggers as an intruder with the
 * file would, and changes one thing: the check exits 1 naming the right row or checkpoint.
 */

const DAY = 86_400_000;
let cluster: PgCluster | null = null;
let made = 0;
afterAll(() => cluster?.stop());

/** A fresh empty PostgreSQL database (in the run's server under `npm run test:pg`, else in a throwaway cluster of this file). */
async function newPgUrl(): Promise<string> {
  const base = process.env.TEST_PG_URL ?? (cluster ??= await startPgCluster()).url();
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const name = `verify_${process.pid}_${++made}`;
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return base.replace(/\/[^/]*$/, `/${name}`);
}

interface Log {
  env: Record<string, string>;
  /** The database opened directly, with the append-only triggers dropped (the server is not running). */
  tamper<T>(f: (db: Db) => Promise<T>): Promise<T>;
  open(): Db;
  config: ReturnType<typeof loadConfig>;
}

async function makeLog(database: (typeof DATABASES)[number]): Promise<Log> {
  const dir = tempDir('debrief-verify-');
  const env: Record<string, string> = { DATA_DIR: dir, ...(database === 'PostgreSQL' && { DATABASE_URL: await newPgUrl() }) };
  const config = loadConfig(env);
  const open = () => (config.database.kind === 'postgres' ? openPostgres(config.database.url, 4).db : openDatabase(config.databaseFile).db);
  const db = open();
  await migrateToLatest(db);
  const now = Date.now();
  for (let i = 1; i <= 12; i++) {
    const at = i <= 4 ? now - 40 * DAY + i : now + i;
    const ctx = {
      actorId: i % 3 ? `user-${i}` : null,
      actorEmail: `person${i}@example.test`,
      clientId: i % 2 ? 'client-a' : null,
      ip: '192.0.2.7',
      userAgent: 'Mozilla/5.0 "quoted" ünïcode',
    };
    if (i === 8) {
      // Rows 7 and 8 together, as a group commit writes them.
      continue;
    }
    if (i === 7)
      await db.transaction().execute((trx) =>
        writeAudits(trx, [
          { ctx, entry: { action: 'chat.message' as AuditAction, outcome: 'success', targetType: 'chat_message', targetId: 'm-7' }, at },
          {
            ctx,
            entry: { action: 'chat.message' as AuditAction, outcome: 'success', targetType: 'chat_message', targetId: 'm-8', details: { n: 8 } },
            at: at + 1,
          },
        ]),
      );
    else
      await writeAudit(
        db,
        ctx,
        { action: i % 2 ? 'auth.login' : 'report.downloaded', outcome: i === 3 ? 'failure' : 'success', details: { factor: 'password', i } },
        at,
      );
    if (i === 6) await writeAuditCheckpoint({ db, config }, now);
  }
  await writeAuditCheckpoint({ db, config }, now + 100);
  await db.destroy();
  return {
    env,
    config,
    open,
    async tamper(f) {
      const d = open();
      try {
        for (const [t, table] of [
          ['audit_events_no_update', 'audit_events'],
          ['audit_events_no_delete', 'audit_events'],
          ['audit_checkpoints_no_update', 'audit_checkpoints'],
          ['audit_checkpoints_no_delete', 'audit_checkpoints'],
        ])
          await sql.raw(config.database.kind === 'postgres' ? `drop trigger ${t} on ${table}` : `drop trigger ${t}`).execute(d);
        return await f(d);
      } finally {
        await d.destroy();
      }
    },
  };
}

const verify = (log: Log, args: string[] = []) => runScript('audit-verify', log.env, args);

function expectTampered(r: ReturnType<typeof verify>, row: number | null, problem: RegExp, checkpoint?: number) {
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/NOT intact/);
  expect(r.stdout).toMatch(problem);
  if (row !== null) expect(r.stdout).toContain(`First bad row: ${row}\n`);
  if (checkpoint !== undefined) expect(r.stdout).toContain(`Checkpoint: ${checkpoint}\n`);
  expect(r.status).toBe(1);
}

/** Row `id`'s new hash after a change, and every later row's, as an intruder who knows the algorithm would recompute them. */
async function rehashFrom(db: Db, id: number) {
  const list = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('id', '>=', id - 1)
    .orderBy('id')
    .execute();
  let prev = list[0]!.hash;
  for (const r of list.slice(1)) {
    const hash = rowHash(prev, r);
    await db.updateTable('audit_events').set({ prev_hash: prev, hash }).where('id', '=', r.id).execute();
    prev = hash;
  }
}

describe.each(DATABASES)('npm run audit:verify on %s', (database) => {
  it('an untouched log exits 0 with its counts; --public-key checks with a published key, and a wrong one names the first checkpoint', async () => {
    const log = await makeLog(database);
    const r = verify(log);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Audit trail intact .*: 12 rows \(ids 1–12\), chained from genesis; 2 signed checkpoints verified/);
    expect(r.status).toBe(0);

    const dir = tempDir('debrief-key-');
    writeFileSync(path.join(dir, 'right.pem'), auditPublicKeyPem(log.config));
    expect(verify(log, ['--public-key', path.join(dir, 'right.pem')]).status).toBe(0);
    writeFileSync(path.join(dir, 'wrong.pem'), generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
    expectTampered(verify(log, ['--public-key', path.join(dir, 'wrong.pem')]), null, /checkpoint 1 \(row 6, count 6\) has a signature that does not verify/, 1);
  });

  it('an edited field: exit 1 naming that row', async () => {
    const log = await makeLog(database);
    await log.tamper((db) => db.updateTable('audit_events').set({ ip: '198.51.100.1' }).where('id', '=', 9).execute());
    expectTampered(verify(log), 9, /row 9 was altered/);
  });

  it('a deleted middle row: exit 1 naming the row after the gap; a deleted last row: named by the checkpoint', async () => {
    const log = await makeLog(database);
    await log.tamper((db) => db.deleteFrom('audit_events').where('id', '=', 9).execute());
    expectTampered(verify(log), 10, /row 10 does not follow row 8 .*deleted/);

    const tail = await makeLog(database);
    await tail.tamper((db) => db.deleteFrom('audit_events').where('id', '=', 12).execute());
    expectTampered(verify(tail), 12, /rows after 11 up to 12 are missing/, 2);
  });

  it('an inserted row: a plain INSERT is named; a forged row slipped in the middle, chained to its neighbour, is named too', async () => {
    const log = await makeLog(database);
    await log.tamper((db) =>
      db.insertInto('audit_events').values({ at: Date.now(), action: 'auth.login', outcome: 'success', prev_hash: null!, hash: null! }).execute(),
    );
    expectTampered(verify(log), 13, /row 13 does not follow row 12/);

    const mid = await makeLog(database);
    await mid.tamper(async (db) => {
      await db
        .updateTable('audit_events')
        .set((eb) => ({ id: eb('id', '+', 100) }))
        .where('id', '>', 8)
        .execute();
      const eight = await db.selectFrom('audit_events').selectAll().where('id', '=', 8).executeTakeFirstOrThrow();
      const forged = { ...eight, id: 9, action: 'report.downloaded', actor_email: 'someone-else@example.test' };
      await db
        .insertInto('audit_events')
        .values({ ...forged, prev_hash: eight.hash, hash: rowHash(eight.hash, forged) })
        .execute();
    });
    expectTampered(verify(mid), 9, /row 9 was inserted: row 109 follows row 8 directly/);
  });

  it('an edit with every later hash recomputed: only the signed checkpoint catches it, naming the checkpoint and the rows since the last good one', async () => {
    const log = await makeLog(database);
    await log.tamper(async (db) => {
      await db.updateTable('audit_events').set({ actor_email: 'innocent@example.test' }).where('id', '=', 9).execute();
      await rehashFrom(db, 9);
    });
    expectTampered(verify(log), 7, /checkpoint 2 signed a different hash for row 12: rows 7–12 were altered and re-hashed/, 2);
  });

  it('a forged checkpoint (signed with another key) and an altered one: exit 1 naming the checkpoint', async () => {
    const log = await makeLog(database);
    await log.tamper(async (db) => {
      const head = await db.selectFrom('audit_events').select(['id', 'hash']).where('id', '=', 12).executeTakeFirstOrThrow();
      const facts = { last_id: head.id, hash: head.hash, count: 12, at: Date.now() };
      const signature = sign(null, checkpointMessage(facts), generateKeyPairSync('ed25519').privateKey).toString('base64');
      await db
        .insertInto('audit_checkpoints')
        .values({ ...facts, signature })
        .execute();
    });
    expectTampered(verify(log), null, /checkpoint 3 \(row 12, count 12\) has a signature that does not verify/, 3);

    const altered = await makeLog(database);
    await altered.tamper((db) => db.updateTable('audit_checkpoints').set({ count: 11 }).where('id', '=', 2).execute());
    expectTampered(verify(altered), null, /checkpoint 2 \(row 12, count 11\) has a signature that does not verify/, 2);
  });

  it('a pruned log exits 0 from its signed anchor; deleting its first remaining row is caught', async () => {
    const log = await makeLog(database);
    const db = log.open();
    try {
      expect(await pruneAudit({ db, config: log.config }, Date.now(), 30)).toBe(4);
      expect((await db.selectFrom('audit_events').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    } finally {
      await db.destroy();
    }
    const r = verify(log);
    expect(r.stdout).toMatch(/intact .*: 8 rows \(ids 5–12\), chained from checkpoint 3 \(row 4\); 3 signed checkpoints verified/);
    expect(r.status).toBe(0);

    await log.tamper((d) => d.deleteFrom('audit_events').where('id', '=', 5).execute());
    expectTampered(verify(log), 6, /row 6 is the first row but follows neither genesis nor a checkpoint/);
  });
});

describe('npm run audit:verify: exports and usage (no database needed)', () => {
  it('--file checks a JSON Lines export: a good one exits 0, an edited line exits 1 naming its row, a filtered export checks each row alone', async () => {
    const log = await makeLog('SQLite');
    const db = log.open();
    const rows = await db.selectFrom('audit_events').selectAll().orderBy('id').execute();
    await db.destroy();
    const dir = tempDir('debrief-export-');
    const file = path.join(dir, 'audit.jsonl');
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const good = runScript('audit-verify', {}, ['--file', file]);
    expect(good.stdout).toMatch(/intact \(the export\): 12 rows \(ids 1–12\)/);
    expect(good.status).toBe(0);

    const edited = rows.map((r) => (r.id === 5 ? { ...r, outcome: 'success', actor_email: 'x@example.test' } : r));
    writeFileSync(file, edited.map((r) => JSON.stringify(r)).join('\n'));
    expectTampered(runScript('audit-verify', {}, ['--file', file]), 5, /row 5 was altered/);

    const some = rows.filter((r) => r.id % 2 === 0);
    writeFileSync(file, some.map((r) => JSON.stringify(r)).join('\n'));
    expectTampered(runScript('audit-verify', {}, ['--file', file]), 4, /row 4 does not follow row 2/);
    expect(runScript('audit-verify', {}, ['--file', file, '--filtered']).status).toBe(0);

    writeFileSync(file, JSON.stringify({ ...rows[0], extra: 1 }) + '\n');
    expectTampered(runScript('audit-verify', {}, ['--file', file]), null, /line 1 is not an audit row/);
    expect(runScript('audit-verify', {}, ['--file', path.join(dir, 'none.jsonl')]).status).toBe(2);
  });

  it('bad usage and unreadable input exit 2 with a one-line reason', async () => {
    const log = await makeLog('SQLite');
    const dir = tempDir('debrief-usage-');
    for (const args of [['--bogus'], ['--file'], ['--filtered'], ['--public-key', path.join(dir, 'missing.pem')]]) {
      const bad = verify(log, args);
      expect(bad.stderr, args.join(' ')).toMatch(/^audit:verify: /);
      expect(bad.status, args.join(' ')).toBe(2);
    }
    const empty = runScript('audit-verify', { DATA_DIR: tempDir('debrief-none-') });
    expect(empty.stderr).toMatch(/no database at .*: check DATA_DIR/);
    expect(empty.status).toBe(2);
  });
});
