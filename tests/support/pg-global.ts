import pg from 'pg';
import { openPostgres } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { startPgCluster } from './postgres.js';

/**
 * Vitest's global setup for `npm run test:pg`: one throwaway PostgreSQL cluster for the run, with
 * a migrated template database; each test app gets its own database cloned from it
 * (tests/support/app.ts). The cluster is stopped and removed at the end, also on failure.
 */
export default async function setup(): Promise<() => void> {
  const cluster = await startPgCluster();
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  await admin.query('create database debrief_template');
  await admin.end();
  const { db } = openPostgres(cluster.url('debrief_template'), 2);
  await migrateToLatest(db);
  await db.destroy();
  process.env.TEST_PG_URL = cluster.url();
  process.stdout.write(`PostgreSQL ${cluster.version} for this run on 127.0.0.1:${cluster.port} (a throwaway cluster)\n`);
  return () => cluster.stop();
}
