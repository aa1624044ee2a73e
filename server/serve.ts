import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { connectDatabase, describeTarget, waitUntilReachable } from '../db/client.js';
import { migrateWithBackup } from '../db/migrate.js';
import { startBackupSchedule } from './services/backups.js';
import { buildDeps } from './deps.js';
import { startServer } from './server.js';
import { checkUploadsFolder } from './services/storage.js';
import { connectRedis, type Redis } from './cluster/redis.js';
import { AuditKeyError, auditSigningKey } from './audit/signing-key.js';
import { isPackaged, packagedClientDir } from './packaged.js';

/** Where the built SPA is: the packaged file's runtime folder, dist/client next to dist/server (compiled) or under the repo (tsx). */
function clientDir(): string {
  if (isPackaged()) return packagedClientDir();
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', 'client') : path.resolve(here, '..', 'dist', 'client');
}

/** `debrief serve` (the default command): migrate, then run the portal until SIGTERM or SIGINT. */
export async function serve(): Promise<void> {
  // A bad setting throws ConfigError: server/cli.ts prints its one line and exits 1.
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  try {
    auditSigningKey(config, logger);
  } catch (err) {
    process.stderr.write(`Cannot use the audit signing key: ${err instanceof AuditKeyError ? err.message : (err as Error).message}\n`);
    process.exit(1);
  }
  try {
    await checkUploadsFolder(config.uploadsDir);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    process.stderr.write(`Cannot write and rename files in the uploads folder ${config.uploadsDir} (UPLOADS_DIR): ${reason}\n`);
    process.exit(1);
  }
  const where = describeTarget(config.database);
  const database = connectDatabase(config.database, (err) => logger.warn({ err: err.message, database: where }, 'database connection lost'));
  const { db } = database;
  const fail = async (what: string, err: unknown) => {
    const reason = (err instanceof Error && (err.message || (err as NodeJS.ErrnoException).code)) || String(err);
    logger.fatal({ err: reason, database: where }, `${what}; start-up stopped`);
    process.stderr.write(`${what}: ${reason}\n`);
    await database.close().catch(() => {});
    process.exit(1);
  };
  try {
    await waitUntilReachable(db, config.databaseWaitMs);
  } catch (err) {
    await fail(`Cannot reach the database (${where}, DATABASE_URL)`, err);
  }
  try {
    const { applied, backup } = await migrateWithBackup(db, config);
    if (applied.length) logger.info({ migrations: applied, database: where, backup }, 'database migrated');
  } catch (err) {
    await fail('Database migration failed', err);
  }
  let redis: Redis | null = null;
  if (config.redisUrl) {
    try {
      redis = await connectRedis(config.redisUrl, logger, config.databaseWaitMs);
    } catch (err) {
      await fail('Several instances need Redis', err);
    }
  }
  const deps = await buildDeps({ db, config, logger, clock: Date.now, redis });
  const server = await startServer(deps, clientDir());
  const backups = startBackupSchedule(deps);
  logger.info({ url: config.publicUrl, listen: `${config.host}:${config.port}`, dataDir: config.dataDir, database: where }, 'Debrief is listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await backups.stop();
    await server.close(config.shutdownGraceMs);
    deps.mailer.stop();
    await deps.setup.stop();
    await redis?.close().catch(() => {});
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
