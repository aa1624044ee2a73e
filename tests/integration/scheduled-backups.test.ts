import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, tempDir, type TestApp } from '../support/app.js';
import { buildStaff } from '../support/factories.js';
import { until } from '../support/socket.js';
import { runScript } from '../support/scripts.js';
import { tree } from '../support/backups.js';
import { startBackupSchedule } from '../../server/services/backups.js';

/**
 * Scheduled backups in the running server (issue 16, point 5), every 0.0003 h (about a second):
 * BACKUP_KEEP=2 keeps the two newest archives (pre-migration and other files are never pruned),
 * both restorable; an unwritable BACKUP_DIR is logged at every try and mailed to the admins once,
 * old archives stay, and the next success ends the run of failures; a backup that would leave less
 * than MIN_FREE_DISK_MB free is skipped. The schedule is started on the test app's deps, as
 * server/serve.ts starts it after the server listens.
 */
const EVERY = { BACKUP_EVERY_HOURS: '0.0003' };
// Scheduled backups are SQLite's (server/services/backups.ts): SQLite in every run, TEST_DATABASE=postgres too.
const SQLITE = { DATABASE_URL: '' };
const SCHEDULED = /^debrief-\d{8}T\d{9}Z\.tar$/;
let app: TestApp | null = null;
let schedule: { stop(): Promise<void> } | null = null;
const cleanup: string[] = [];
afterEach(async () => {
  await schedule?.stop();
  await app?.close();
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

const logged = (event: string) => app!.logs.filter((l) => l.event === event);

/** Make a folder unwritable even for root (immutable), or undo it. */
function unwritable(dir: string, on: boolean): void {
  if (process.getuid?.() === 0) execFileSync('chattr', [on ? '+i' : '-i', dir]);
  else chmodSync(dir, on ? 0o500 : 0o700);
}

describe('scheduled backups', () => {
  it('BACKUP_KEEP=2 keeps the two newest archives, both restorable; other files in BACKUP_DIR stay', async () => {
    const backups = tempDir();
    cleanup.push(backups);
    writeFileSync(path.join(backups, 'pre-migrate-a-b.tar'), 'kept');
    writeFileSync(path.join(backups, 'notes.txt'), 'kept');
    app = await startTestApp({ ...SQLITE, ...EVERY, BACKUP_KEEP: '2', BACKUP_DIR: backups });
    await buildStaff(app.db, { role: 'admin' });
    schedule = startBackupSchedule(app.deps);
    await until(() => logged('backup_written').length >= 4, 'four scheduled backups', 30_000);
    await schedule.stop();
    const names = readdirSync(backups).sort();
    const archives = names.filter((n) => SCHEDULED.test(n));
    expect(archives).toHaveLength(2);
    expect(names.filter((n) => !SCHEDULED.test(n))).toEqual(['notes.txt', 'pre-migrate-a-b.tar']);
    // The two kept are the newest written.
    expect(archives).toEqual(
      logged('backup_written')
        .slice(-2)
        .map((l) => l.file),
    );
    for (const a of archives) {
      const target = tempDir();
      cleanup.push(target);
      const r = runScript('restore', { DATA_DIR: target }, [path.join(backups, a)]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  }, 90_000);

  it('an unwritable BACKUP_DIR: logged at each try, mailed to the admins once, old archives stay; a success ends the run', async () => {
    const backups = tempDir();
    cleanup.push(backups);
    writeFileSync(path.join(backups, 'debrief-20261201T000000000Z.tar'), 'an old archive');
    writeFileSync(path.join(backups, 'debrief-20261202T000000000Z.tar'), 'another old archive');
    app = await startTestApp({ ...SQLITE, ...EVERY, BACKUP_KEEP: '2', BACKUP_DIR: backups });
    const admin = await buildStaff(app.db, { role: 'admin' });
    await buildStaff(app.db, { role: 'analyst' });
    const before = tree(backups);
    unwritable(backups, true);
    try {
      schedule = startBackupSchedule(app.deps);
      await until(() => logged('backup_failed').length >= 3, 'three failed backups', 30_000);
    } finally {
      unwritable(backups, false);
    }
    expect(tree(backups)).toEqual(before);
    const mails = await app.db.selectFrom('mail_outbox').select(['to_address', 'subject', 'text_body']).where('kind', '=', 'backup_failed').execute();
    expect(mails).toEqual([expect.objectContaining({ to_address: admin.email, subject: 'Scheduled backups are failing' })]);
    expect(mails[0]!.text_body).toContain(backups);
    expect(logged('backup_failed')[0]).toMatchObject({ level: 'error', errno: expect.stringMatching(/^E(PERM|ACCES)$/) });
    // Writable again: the next backup succeeds, prunes, and a later failure would be mailed anew.
    await until(() => logged('backup_written').length >= 1, 'a backup after the folder was fixed', 30_000);
    await schedule.stop();
    expect(readdirSync(backups).filter((n) => SCHEDULED.test(n))).not.toContain('debrief-20261201T000000000Z.tar');
  }, 90_000);

  it('skips a backup that would leave less than MIN_FREE_DISK_MB free (logged, mailed to the admins once), writing nothing', async () => {
    const backups = path.join(tempDir(), 'backups');
    cleanup.push(path.dirname(backups));
    mkdirSync(backups);
    app = await startTestApp({ ...SQLITE, ...EVERY, BACKUP_DIR: backups, MIN_FREE_DISK_MB: '10000000' });
    const admin = await buildStaff(app.db, { role: 'admin' });
    schedule = startBackupSchedule(app.deps);
    await until(() => logged('backup_skipped').length >= 2, 'two skipped backups', 30_000);
    await schedule.stop();
    expect(readdirSync(backups)).toEqual([]);
    expect(logged('backup_failed')).toEqual([]);
    // No backup is being made: the admins are told once, as of a failure.
    const mails = await app.db.selectFrom('mail_outbox').select(['to_address', 'text_body']).where('kind', '=', 'backup_failed').execute();
    expect(mails).toEqual([expect.objectContaining({ to_address: admin.email })]);
    expect(mails[0]!.text_body).toContain('not enough free disk');
  }, 60_000);
});
