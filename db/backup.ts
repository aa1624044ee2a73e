import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../server/config.js';

/**
 * Online backup of the live database (safe while the server runs, unlike `cp`, which can copy
 * a torn file and misses the WAL). Usage: npm run backup -- /path/to/backup.sqlite
 */
const target = process.argv[2];
if (!target) {
  process.stderr.write('Usage: npm run backup -- /path/to/backup.sqlite\n');
  process.exit(2);
}
const config = loadConfig();
const db = new Database(config.databaseFile, { readonly: true, fileMustExist: true });
await db.backup(path.resolve(target));
db.close();
process.stdout.write(`Backed up ${config.databaseFile} to ${path.resolve(target)}. Copy ${config.uploadsDir} alongside it.\n`);
