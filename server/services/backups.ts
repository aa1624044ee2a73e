import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppDeps } from '../context.js';
import { listFiles, writeArchive } from '../../db/archive.js';
import { freeDiskBytes } from './disk.js';
import { queueMail } from './mailer.js';

/** Scheduled archives are named by their time (`debrief-20261204T193000123Z.tar`), so the oldest sort first. */
const SCHEDULED = /^debrief-\d{8}T\d{9}Z\.tar$/;

const archiveName = (at: number) => `debrief-${new Date(at).toISOString().replace(/[-:.]/g, '')}.tar`;

/**
 * What a backup needs at most, at its peak: the snapshot (as big as the database with its WAL) in
 * its staging folder while the archive holding another copy of it and the uploads is written.
 */
async function estimateBytes(deps: AppDeps): Promise<number> {
  const size = async (f: string) => (await stat(f).catch(() => null))?.size ?? 0;
  let total = 2 * ((await size(deps.config.databaseFile)) + (await size(`${deps.config.databaseFile}-wal`)));
  for (const f of await listFiles(deps.config.uploadsDir)) total += await size(path.join(deps.config.uploadsDir, f));
  return total;
}

/** setTimeout's longest delay (about 24.8 days); a longer one fires at once, so longer waits are made of several. */
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

/** Mail each active admin that scheduled backups are failing (once per run of failures). */
async function mailAdmins(deps: AppDeps, reason: string): Promise<void> {
  const admins = await deps.db
    .selectFrom('users')
    .select('email')
    .where('kind', '=', 'staff')
    .where('role', '=', 'admin')
    .where('status', '=', 'active')
    .execute();
  const text = `Debrief could not write its scheduled backup to ${deps.config.backupDir}: ${reason}\n\nIt keeps trying at every interval; you will not be mailed again until a backup succeeds. Check the folder (BACKUP_DIR) and the server's log.\n`;
  for (const a of admins)
    await queueMail(deps.db, { to: a.email, subject: 'Scheduled backups are failing', text, kind: 'backup_failed' }, deps.clock(), !!deps.config.smtpUrl);
  if (admins.length) deps.bus.publish('mail.queued', {});
}

/**
 * Scheduled backups (SQLite; BACKUP_EVERY_HOURS, off when unset): every interval a full archive
 * (db/archive.ts) goes to BACKUP_DIR, then only after it succeeded the oldest scheduled archives
 * beyond BACKUP_KEEP are removed (pre-migration archives are never pruned). A backup that would
 * leave less than MIN_FREE_DISK_MB free is skipped. Each failure is logged; the first of a run of
 * failures is mailed to the firm's admins. The VACUUM INTO runs on this process's event loop: a
 * small firm's database snapshots in well under a second.
 */
export function startBackupSchedule(deps: AppDeps): { stop(): Promise<void> } {
  const { config, logger } = deps;
  const every = config.backupEveryMs;
  if (!every || config.database.kind !== 'sqlite') return { stop: async () => {} };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  let failing = false;

  const prune = async () => {
    const names = (await readdir(config.backupDir)).filter((n) => SCHEDULED.test(n)).sort();
    for (const n of names.slice(0, Math.max(0, names.length - config.backupKeep))) await rm(path.join(config.backupDir, n), { force: true });
  };
  const once = async () => {
    try {
      await mkdir(config.backupDir, { recursive: true, mode: 0o700 });
      const free = await freeDiskBytes(config.backupDir);
      const need = await estimateBytes(deps);
      if (free - need < config.minFreeDiskBytes) {
        logger.warn({ event: 'backup_skipped' }, 'scheduled backup skipped: it would leave less free disk than MIN_FREE_DISK_MB');
        // No backup is being made: the admins hear of it as of a failure, once per run.
        await noteFailure('there is not enough free disk for it (MIN_FREE_DISK_MB would not be left free)');
        return;
      }
      const started = Date.now();
      const file = path.join(config.backupDir, archiveName(deps.clock()));
      const { bytes } = await writeArchive(config, file);
      await prune();
      failing = false;
      logger.info({ event: 'backup_written', file: path.basename(file), bytes, ms: Date.now() - started }, 'scheduled backup written');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      // `errno`, not `code`: the log's redaction hides every `code` field (TOTP codes).
      logger.error({ event: 'backup_failed', reason: (err as Error).message, errno: (err as NodeJS.ErrnoException).code }, 'scheduled backup failed');
      await noteFailure(reason);
    }
  };
  const noteFailure = async (reason: string) => {
    if (failing) return;
    failing = true;
    await mailAdmins(deps, reason).catch((e) => logger.error({ err: (e as Error).message }, 'could not queue the backup failure mail'));
  };
  const next = (due = Date.now() + every) => {
    if (stopped) return;
    const wait = due - Date.now();
    timer = setTimeout(
      () => {
        if (wait > LONGEST_TIMEOUT_MS) return next(due);
        running = once().finally(() => {
          running = null;
          next();
        });
      },
      Math.min(Math.max(wait, 0), LONGEST_TIMEOUT_MS),
    );
  };
  next();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
