import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, openPostgres, type Db } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { createMailer, MAIL_LEASE_MS, type Mailer } from '../../server/services/mailer.js';
import { releaseExpiredLeases } from '../../server/repositories/mail-outbox.js';
import { DATABASES, pgTestDatabase, tempDir } from '../support/app.js';
import { startFakeSmtp, type FakeSmtp } from '../support/smtp.js';

/**
 * The outbox is delivered once with several instances (issue 14, point 11): three mailers, each on
 * its own connection (SQLite) or pool (PostgreSQL) to one database, deliver at once, and every
 * mail reaches the SMTP server exactly once. A mail claimed by a mailer that died (its lease ran
 * out) is pending again and sent once; one whose lease still runs is left to its mailer. Before
 * the claim, each mailer read the same 50 due rows and sent them all (on both databases).
 */

const MAILERS = 3;
const MAILS = 100;

describe.each(DATABASES)('the mail outbox on %s', (database) => {
  let smtp: FakeSmtp;
  const dbs: Db[] = [];
  let mailers: Mailer[] = [];
  let cleanup = () => {};
  const dir = tempDir('debrief-mail-claim-');

  beforeAll(async () => {
    smtp = await startFakeSmtp();
    if (database === 'PostgreSQL') {
      const pg = await pgTestDatabase();
      cleanup = pg.stop;
      for (let i = 0; i < MAILERS; i++) dbs.push(openPostgres(pg.url, 3).db);
    } else {
      // Three connections to one SQLite file, as three processes would have.
      for (let i = 0; i < MAILERS; i++) dbs.push(openDatabase(path.join(dir, 'debrief.sqlite')).db);
    }
    await migrateToLatest(dbs[0]!);
    const config = loadConfig({ DATA_DIR: dir, SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'Portal <portal@acme.test>' });
    mailers = dbs.map((db) => createMailer({ db, config, logger: createLogger('silent'), clock: Date.now }));
  }, 60_000);
  afterAll(async () => {
    mailers.forEach((m) => m.stop());
    for (const db of dbs) await db.destroy();
    await smtp.close();
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await dbs[0]!.deleteFrom('mail_outbox').execute();
    smtp.messages.length = 0;
  });

  const db = () => dbs[0]!;
  const queue = async (subjects: string[], extra: { status?: 'pending' | 'sending'; lease_until?: number | null } = {}) => {
    const now = Date.now();
    await db()
      .insertInto('mail_outbox')
      .values(
        subjects.map((subject) => ({
          to_address: 'someone@client.test',
          subject,
          text_body: `body of ${subject}`,
          kind: 'mention',
          status: 'pending' as const,
          attempts: 0,
          next_attempt_at: now - 1000,
          created_at: now - 1000,
          ...extra,
        })),
      )
      .execute();
  };
  /** How many times each subject reached the SMTP server. */
  const deliveries = () => {
    const seen = new Map<string, number>();
    for (const m of smtp.messages) {
      const subject = /^Subject: (.*)$/m.exec(m)![1]!;
      seen.set(subject, (seen.get(subject) ?? 0) + 1);
    }
    return seen;
  };
  const statuses = async () => (await db().selectFrom('mail_outbox').select('status').execute()).map((r) => r.status);

  it(`${MAILS} mails, ${MAILERS} mailers delivering at once: each mail is sent exactly once, none left pending`, async () => {
    const subjects = Array.from({ length: MAILS }, (_, i) => `mail-${i}`);
    await queue(subjects);
    await Promise.all(mailers.map((m) => m.deliverDue()));
    const seen = deliveries();
    expect([...seen.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...seen.keys()].sort()).toEqual([...subjects].sort());
    expect(smtp.messages).toHaveLength(MAILS);
    expect(new Set(await statuses())).toEqual(new Set(['sent']));
    const rows = await db().selectFrom('mail_outbox').select(['attempts', 'lease_until']).execute();
    expect(rows.every((r) => r.attempts === 1 && r.lease_until === null)).toBe(true);
  });

  it('a mail whose lease ran out (its mailer died mid-send) is pending again, then sent once', async () => {
    await queue(['orphan'], { status: 'sending', lease_until: Date.now() - 1 });
    expect(await releaseExpiredLeases(db(), Date.now())).toBe(1);
    expect(await db().selectFrom('mail_outbox').select(['status', 'lease_until']).executeTakeFirst()).toEqual({ status: 'pending', lease_until: null });

    await db()
      .updateTable('mail_outbox')
      .set({ status: 'sending', lease_until: Date.now() - 1 })
      .execute();
    await Promise.all(mailers.map((m) => m.deliverDue()));
    await Promise.all(mailers.map((m) => m.deliverDue()));
    expect(deliveries()).toEqual(new Map([['orphan', 1]]));
    expect(await statuses()).toEqual(['sent']);
  });

  it('a mailer starts no send late in its lease: the mails not yet tried go back to pending', async () => {
    await queue(['early', 'late-1', 'late-2']);
    // Each reading of this mailer's clock is a minute later: by its second mail, under 3 of the 5 minutes are left.
    let ticks = 0;
    const base = Date.now();
    const config = loadConfig({ DATA_DIR: dir, SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
    const slow = createMailer({ db: db(), config, logger: createLogger('silent'), clock: () => base + 60_000 * ticks++ });
    try {
      await slow.deliverDue();
    } finally {
      slow.stop();
    }
    expect([...deliveries().keys()]).toEqual(['early']);
    const rows = await db().selectFrom('mail_outbox').select(['subject', 'status', 'lease_until']).orderBy('id').execute();
    expect(rows).toEqual([
      { subject: 'early', status: 'sent', lease_until: null },
      { subject: 'late-1', status: 'pending', lease_until: null },
      { subject: 'late-2', status: 'pending', lease_until: null },
    ]);
  });

  it('a mail whose lease still runs is left to the mailer that holds it', async () => {
    const lease = Date.now() + MAIL_LEASE_MS;
    await queue(['held'], { status: 'sending', lease_until: lease });
    await Promise.all(mailers.map((m) => m.deliverDue()));
    expect(smtp.messages).toHaveLength(0);
    expect(await db().selectFrom('mail_outbox').select(['status', 'lease_until']).executeTakeFirst()).toEqual({ status: 'sending', lease_until: lease });
  });
});
