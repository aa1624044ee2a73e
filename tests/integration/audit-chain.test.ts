import type { AuditAction } from '../../server/contracts/audit-actions.js';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DATABASES, appOn } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildFirm, buildStaff } from '../support/factories.js';
import { runScript } from '../support/scripts.js';
import { writeAudit, writeAudits } from '../../server/audit.js';
import { GENESIS, checkpointMessage, rowHash } from '../../server/audit/canonical.js';
import { auditHousekeeping, pruneAudit, writeAuditCheckpoint } from '../../server/audit/checkpoints.js';
import { latestAuditCheckpoint } from '../../server/repositories/audit-events.js';
import { auditPublicKeyPem } from '../../server/audit/signing-key.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import type { Db } from '../../db/client.js';

/**
 * The audit trail's hash chain, append-only triggers, signed checkpoints and retention prune
 * (issue 15, points 14 and 15), on both databases, through the running app.
 */

const DAY = 86_400_000;
const rows = (db: Db) => db.selectFrom('audit_events').selectAll().orderBy('id').execute();

/** Every row follows the one before it (the first follows `start`) and its hash recomputes. */
function expectLinear(list: Awaited<ReturnType<typeof rows>>, start = GENESIS) {
  let prev = start;
  for (const r of list) {
    expect(r.prev_hash, `row ${r.id}`).toBe(prev);
    expect(r.hash, `row ${r.id}`).toBe(rowHash(r.prev_hash, r));
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    prev = r.hash;
  }
}

describe.each(DATABASES)('audit chain on %s', (database) => {
  const on = appOn(database);
  const db = () => on.app.db;
  const ctx = { actorEmail: 'chain@example.test', ip: '127.0.0.1', requestId: 'r-1' };

  it('rows written by the app (failed sign-ins, on the db) chain from genesis, each hash over prev_hash and the canonical row', async () => {
    await buildFirm(db());
    const staff = await buildStaff(db());
    for (const password of ['wrong one', 'wrong two']) {
      const res = await new Agent(on.app.url).post('/api/auth/login', { email: staff.email, password });
      expect(res.status).toBe(401);
    }
    const list = await rows(db());
    expect(list.filter((r) => r.action === 'auth.login' && r.outcome === 'failure')).toHaveLength(2);
    expectLinear(list);
  });

  it('writers at once never fork the chain: parallel transactions and plain writes make one line', async () => {
    const before = await rows(db());
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      work.push(writeAudit(db(), ctx, { action: 'test.parallel' as AuditAction, outcome: 'success', targetId: `plain-${i}` }, on.app.clock()));
      work.push(
        db()
          .transaction()
          .execute(async (trx) => {
            await writeAudit(trx, ctx, { action: 'test.parallel' as AuditAction, outcome: 'success', targetId: `trx-${i}-a` }, on.app.clock());
            await new Promise((r) => setTimeout(r, 2));
            await writeAudits(trx, [
              { ctx, entry: { action: 'test.parallel' as AuditAction, outcome: 'success', targetId: `trx-${i}-b` }, at: on.app.clock() },
              { ctx, entry: { action: 'test.parallel' as AuditAction, outcome: 'success', targetId: `trx-${i}-c` }, at: on.app.clock() },
            ]);
          }),
      );
    }
    await Promise.all(work);
    const list = await rows(db());
    expect(list.length - before.length).toBe(120);
    expect(new Set(list.map((r) => r.prev_hash)).size).toBe(list.length);
    expectLinear(list);
  });

  it('a write that rolls back leaves no row and no fork', async () => {
    const err = await db()
      .transaction()
      .execute(async (trx) => {
        await writeAudit(trx, ctx, { action: 'test.rolled-back' as AuditAction, outcome: 'success' }, on.app.clock());
        throw new Error('the change failed');
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('the change failed');
    await writeAudit(db(), ctx, { action: 'test.after-rollback' as AuditAction, outcome: 'success' }, on.app.clock());
    const list = await rows(db());
    expect(list.some((r) => r.action === 'test.rolled-back')).toBe(false);
    expectLinear(list);
  });

  it('the triggers refuse UPDATE and DELETE of audit rows and checkpoints through plain SQL, and nothing changes', async () => {
    await writeAuditCheckpoint({ db: db(), config: on.app.config }, on.app.clock());
    const before = await rows(db());
    const cps = await db().selectFrom('audit_checkpoints').selectAll().execute();
    expect(cps.length).toBeGreaterThan(0);
    const refused = async (statement: ReturnType<typeof sql>) => ((await statement.execute(db()).catch((e: unknown) => e)) as Error).message;
    expect(await refused(sql`update audit_events set ip = '10.9.9.9' where id = ${before[0]!.id}`)).toMatch(/append-only: its rows cannot be changed/);
    expect(await refused(sql`delete from audit_events where id = ${before[0]!.id}`)).toMatch(/append-only: rows are removed only by the retention prune/);
    expect(await refused(sql`delete from audit_events`)).toMatch(/append-only/);
    expect(await refused(sql`update audit_checkpoints set count = count + 1`)).toMatch(/audit_checkpoints is append-only/);
    expect(await refused(sql`delete from audit_checkpoints`)).toMatch(/audit_checkpoints is append-only/);
    if (database === 'PostgreSQL') expect(await refused(sql`truncate audit_events`)).toMatch(/append-only/);
    expect(await rows(db())).toEqual(before);
    expect(await db().selectFrom('audit_checkpoints').selectAll().execute()).toEqual(cps);
  });

  it('a checkpoint signs (last_id, hash, count, at) with the Ed25519 key whose public half the Audit page shows; none again without new rows', async () => {
    await writeAudit(db(), ctx, { action: 'test.checkpointed' as AuditAction, outcome: 'success' }, on.app.clock());
    const cp = await writeAuditCheckpoint({ db: db(), config: on.app.config }, on.app.clock());
    const list = await rows(db());
    const head = list.at(-1)!;
    expect(cp).toMatchObject({ last_id: head.id, hash: head.hash, count: list.length });
    const pem = auditPublicKeyPem(on.app.config);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const stored = await db().selectFrom('audit_checkpoints').selectAll().where('last_id', '=', head.id).executeTakeFirstOrThrow();
    expect(verify(null, checkpointMessage(stored), createPublicKey(pem), Buffer.from(stored.signature, 'base64'))).toBe(true);
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(verify(null, checkpointMessage(stored), other, Buffer.from(stored.signature, 'base64'))).toBe(false);
    expect(verify(null, checkpointMessage({ ...stored, count: stored.count + 1 }), createPublicKey(pem), Buffer.from(stored.signature, 'base64'))).toBe(false);
    expect(await writeAuditCheckpoint({ db: db(), config: on.app.config }, on.app.clock())).toBeNull();
  });

  it('a checkpoint over a long stretch of the chain counts it right, in slices, letting other work run between them', async () => {
    // SQLite counts on the event loop: a five-year firm's first checkpoint after the upgrade that
    // brought checkpoints counted 5,000,000 rows in one statement, and the server answered nothing
    // for ~7 s (the datascale bench of 2026-12-05). 12,000 rows are three slices.
    await writeAudit(db(), ctx, { action: 'test.before-stretch' as AuditAction, outcome: 'success' }, on.app.clock());
    await writeAuditCheckpoint({ db: db(), config: on.app.config }, on.app.clock());
    const anchor = (await latestAuditCheckpoint(db()))!;
    const stretch = Array.from({ length: 12_000 }, (_, i) => ({
      ctx,
      entry: { action: 'test.stretch' as AuditAction, outcome: 'success' as const, targetId: `s-${i}` },
      at: on.app.clock(),
    }));
    for (let i = 0; i < stretch.length; i += 1000) await writeAudits(db(), stretch.slice(i, i + 1000));
    let turns = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const cp = await writeAuditCheckpoint({ db: db(), config: on.app.config }, on.app.clock());
    ticking = false;
    const head = (await rows(db())).at(-1)!;
    expect(cp).toMatchObject({ last_id: head.id, hash: head.hash });
    const since = await db()
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '>', anchor.last_id)
      .executeTakeFirstOrThrow();
    expect(cp!.count).toBe(anchor.count + Number(since.n));
    expect(Number(since.n)).toBeGreaterThanOrEqual(12_000);
    expect(turns).toBeGreaterThanOrEqual(2);
  });

  it('the retention prune signs its cut first, deletes what is older, and leaves a log that starts at that signed anchor (audit:verify exits 0 while the app runs)', async () => {
    const now = on.app.clock();
    const all = await rows(db());
    // Rows dated 45 days back (more than one prune batch of them), then a recent one: a 40-day retention cuts after the old ones.
    await writeAudits(
      db(),
      Array.from({ length: 1_197 }, () => ({ ctx, entry: { action: 'test.older' as AuditAction, outcome: 'success' as const }, at: now - 46 * DAY })),
    );
    for (let i = 0; i < 3; i++) await writeAudit(db(), ctx, { action: 'test.old' as AuditAction, outcome: 'success' }, now - 45 * DAY);
    await writeAudit(db(), ctx, { action: 'test.recent' as AuditAction, outcome: 'success' }, now);
    const cut = (await rows(db())).filter((r) => r.action === 'test.old').at(-1)!;
    const keep = await pruneAudit({ db: db(), config: on.app.config }, now, null);
    expect(keep).toBe(0); // forever: nothing goes
    expect(await pruneAudit({ db: db(), config: on.app.config }, now, 50)).toBe(0); // nothing that old
    const deleted = await pruneAudit({ db: db(), config: on.app.config }, now, 40);
    expect(deleted).toBe(all.length + 1_200);
    const left = await rows(db());
    expect(left.map((r) => r.action)).toEqual(['test.recent']);
    const anchor = await db().selectFrom('audit_checkpoints').selectAll().where('last_id', '=', cut.id).executeTakeFirstOrThrow();
    expect(anchor).toMatchObject({ hash: cut.hash, count: all.length + 1_200 });
    expectLinear(left, anchor.hash);
    // New rows continue from the remaining head.
    await writeAudit(db(), ctx, { action: 'test.after-prune' as AuditAction, outcome: 'success' }, now);
    expectLinear(await rows(db()), anchor.hash);

    const env: Record<string, string> = {
      DATA_DIR: on.app.config.dataDir,
      ...(database === 'PostgreSQL' && { DATABASE_URL: (on.app.config.database as { url: string }).url }),
    };
    const r = runScript('audit-verify', env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/intact .*: 2 rows .*chained from checkpoint/);
    expect(r.status).toBe(0);
  });

  it('a retention under 30 days is read as 30', async () => {
    const now = on.app.clock();
    await writeAudit(db(), ctx, { action: 'test.twenty-days' as AuditAction, outcome: 'success' }, now - 20 * DAY);
    expect(await pruneAudit({ db: db(), config: on.app.config }, now, 1)).toBe(0);
    expect((await rows(db())).some((r) => r.action === 'test.twenty-days')).toBe(true);
  });
  it("the hourly round prunes by the firm's retention setting, then checkpoints the head", async () => {
    const now = on.app.clock();
    await writeAudit(db(), ctx, { action: 'test.five-hundred-days' as AuditAction, outcome: 'success' }, now - 500 * DAY);
    await writeAudit(db(), ctx, { action: 'test.today' as AuditAction, outcome: 'success' }, now);
    await auditHousekeeping({ db: db(), config: on.app.config }, now); // default 400 days
    const list = await rows(db());
    expect(list.some((r) => r.action === 'test.five-hundred-days')).toBe(false);
    expect(list.at(-1)!.action).toBe('test.today');
    const head = await db().selectFrom('audit_checkpoints').selectAll().orderBy('last_id', 'desc').executeTakeFirstOrThrow();
    expect(head).toMatchObject({ last_id: list.at(-1)!.id, hash: list.at(-1)!.hash });

    await db().updateTable('firm').set({ audit_retention_days: null }).execute();
    await writeAudit(db(), ctx, { action: 'test.ancient' as AuditAction, outcome: 'success' }, now - 5000 * DAY);
    await auditHousekeeping({ db: db(), config: on.app.config }, now);
    expect((await rows(db())).some((r) => r.action === 'test.ancient')).toBe(true);
  });
});

describe('AUDIT_SIGNING_KEY', () => {
  it('takes an Ed25519 PKCS#8 key, PEM or base64 DER; refuses anything else without printing it', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(loadConfig({ AUDIT_SIGNING_KEY: pem }).auditSigningKeyPem).toBe(pem);
    expect(loadConfig({ AUDIT_SIGNING_KEY: der }).auditSigningKeyPem).toBe(pem);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const bad of ['not-a-key-secret-value', rsa]) {
      const err = (() => {
        try {
          loadConfig({ AUDIT_SIGNING_KEY: bad });
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect(err!.message).toMatch(/^Invalid AUDIT_SIGNING_KEY: expected an Ed25519 private key/);
      expect(err!.message).not.toContain(bad.slice(0, 20));
    }
  });

  it('several instances derive one key from SECRET_KEY; one instance keeps a 0600 key file in the data folder', async () => {
    const { mkdtempSync, statSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const secret = 'ab'.repeat(32);
    const cluster = { auditSigningKeyPem: undefined, auditSigningKeyFile: '/nonexistent/k', redisUrl: 'redis://x', secretKeyHex: secret };
    expect(auditPublicKeyPem(cluster)).toBe(auditPublicKeyPem({ ...cluster }));
    expect(auditPublicKeyPem(cluster)).not.toBe(auditPublicKeyPem({ ...cluster, secretKeyHex: 'cd'.repeat(32) }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'audit-key-'));
    const single = { auditSigningKeyPem: undefined, auditSigningKeyFile: path.join(dir, 'audit-signing.key'), redisUrl: undefined, secretKeyHex: undefined };
    const pem = auditPublicKeyPem(single);
    expect(statSync(single.auditSigningKeyFile).mode & 0o777).toBe(0o600);
    expect(auditPublicKeyPem(single)).toBe(pem);
  });
});
