import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { treeCpuSeconds } from './cluster.js';
import { ROOT } from './server.js';
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

/** The project's own `npm run move-to-postgres`, from the build (db/ is compiled beside the server). */
const MOVE_ENTRY = path.join(ROOT, 'dist', 'db', 'move-to-postgres.js');

/**
 * Move the SQLite database of a data folder into a fresh database of the bench's cluster, as a firm
 * would (`npm run move-to-postgres`, its own process, only PATH, DATA_DIR and DATABASE_URL), then
 * `VACUUM (ANALYZE)` it. The move gathers statistics itself (`ANALYZE`), but autovacuum's first
 * pass over millions of fresh rows would otherwise run during the measurements (and count in
 * PostgreSQL's CPU): the bench measures the state autovacuum reaches by itself soon after.
 */
export async function moveIntoPostgres(target: PostgresTarget, dataDir: string, maxMs: number): Promise<{ url: string; move_s: number; vacuum_s: number }> {
  if (!existsSync(MOVE_ENTRY)) throw new Error(`${MOVE_ENTRY} is missing: run "npm run build" first`);
  const url = await target.fresh();
  const seconds = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;
  let t0 = performance.now();
  await promisify(execFile)(process.execPath, [MOVE_ENTRY], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, DATABASE_URL: url },
    timeout: maxMs,
  });
  const move_s = seconds(t0);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    t0 = performance.now();
    await c.query('vacuum (analyze)');
  } finally {
    await c.end();
  }
  return { url, move_s, vacuum_s: seconds(t0) };
}
