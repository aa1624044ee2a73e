import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { treeCpuSeconds } from './cluster.js';
import { startPgCluster } from '../../tests/support/postgres.js';
import type { PostgresTarget } from './context.js';

/** The server's pool size on PostgreSQL (its default, `DATABASE_POOL_SIZE`). */
const POOL_SIZE = 10;

/**
 * The bench's PostgreSQL (`npm run bench -- --postgres`): a throwaway cluster from Debian's package
 * (the tests' own helper: temp folder, free loopback port), with PostgreSQL's durable defaults —
 * fsync, synchronous_commit and full_page_writes on — as a firm would run it. Each scenario gets a
 * fresh database on it. The settings are read back from the server and reported with the figures.
 */
export async function startPostgres(): Promise<{ target: PostgresTarget; version: number; poolSize: number; stop(): void }> {
  const cluster = await startPgCluster({ durable: true });
  const admin = async <T>(work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: cluster.url() });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  const names = ['fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers'];
  const settings = await admin(async (c) => {
    const { rows } = await c.query<{ name: string; setting: string }>('select name, current_setting(name) as setting from unnest($1::text[]) as name', [names]);
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  });
  let n = 0;
  const fresh = async () => {
    const name = `bench_${++n}`;
    await admin((c) => c.query(`create database ${name}`));
    return cluster.url(name);
  };
  // The postmaster's pid is the first line of postmaster.pid in its data folder.
  const cpu = () => {
    try {
      return treeCpuSeconds(Number(readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]));
    } catch {
      return NaN;
    }
  };
  return { target: { fresh, settings, cpu }, version: cluster.version, poolSize: POOL_SIZE, stop: () => cluster.stop() };
}
