import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { openDatabase } from '../db/client.js';
import { migrateToLatest } from '../db/migrate.js';
import { buildDeps } from './deps.js';
import { startServer } from './server.js';

/** Where the built SPA is: dist/client next to dist/server (compiled) or under the repo (tsx). */
function clientDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', 'client') : path.resolve(here, '..', 'dist', 'client');
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  mkdirSync(config.uploadsDir, { recursive: true });
  const { db, sqlite } = openDatabase(config.databaseFile);
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  } catch (err) {
    logger.fatal({ err: String((err as Error).message) }, 'database migration failed; start-up stopped');
    process.stderr.write(`Database migration failed: ${(err as Error).message}\n`);
    sqlite.close();
    process.exit(1);
  }
  const deps = await buildDeps({ db, config, logger, clock: Date.now });
  const server = await startServer(deps, clientDir());
  logger.info({ url: config.publicUrl, listen: `${config.host}:${config.port}`, dataDir: config.dataDir }, 'Debrief is listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await server.close(config.shutdownGraceMs);
    deps.mailer.stop();
    await db.destroy();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main();
