import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startPgCluster } from './postgres.js';
import { connectDatabase, openDatabase, openPostgres, type Db } from '../../db/client.js';
type SqliteHandle = ReturnType<typeof openDatabase>['sqlite'];
import { migrateToLatest } from '../../db/migrate.js';
import { buildDeps } from '../../server/deps.js';
import { startServer, type RunningServer } from '../../server/server.js';
import type { AppDeps } from '../../server/context.js';
import { connectRedis } from '../../server/cluster/redis.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLIENT_DIR = path.join(ROOT, 'dist', 'client');

/** Whether something may listen on `port` of 127.0.0.1 now (`0`: the port the kernel gave, or null). */
function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => {
      const given = (s.address() as { port: number }).port;
      s.close(() => resolve(given));
    });
  });
}

/** The low end of the kernel's ephemeral ports (Linux: where outgoing connections take their source port). */
export function ephemeralLow(): number | null {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : null;
  } catch {
    return null;
  }
}

/**
 * A port that was free a moment ago (PUBLIC_URL must be known before the server listens), picked
 * at random below the kernel's ephemeral range. A port the kernel hands out for port 0 comes from
 * the same range as the source ports of outgoing connections, so on a busy suite another test's
 * connection could take it between this check and the server's listen (seen as EADDRINUSE in a
 * CI run); below that range only another pick of the same number in that moment can.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  if (low !== null && low > 11_024) {
    for (let i = 0; i < 50; i++) {
      const port = await tryListen(low - 10_000 + Math.floor(Math.random() * 10_000));
      if (port !== null) return port;
    }
  }
  const port = await tryListen(0);
  if (port === null) throw new Error('No free port could be found on 127.0.0.1.');
  return port;
}

/** A fresh data folder under the OS temp dir. */
export function tempDir(prefix = 'debrief-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

interface TestClock {
  (): number;
  /** Move time forward (expiry tests) without waiting. */
  advance(ms: number): void;
}

function testClock(start = Date.now()): TestClock {
  let offset = 0;
  const base = Date.now();
  const clock = (() => start + (Date.now() - base) + offset) as TestClock;
  clock.advance = (ms) => {
    offset += ms;
  };
  return clock;
}

export interface TestApp {
  url: string;
  db: Db;
  /** The server's own SQLite handle (to watch the statements it prepares). */
  sqlite: SqliteHandle;
  deps: AppDeps;
  config: Config;
  server: RunningServer;
  clock: TestClock;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Every raw log line (to check that no secret was ever logged). */
  rawLogs: string[];
  close(): Promise<void>;
  /** Stop the server and reopen it on the same data folder and port (sessions and data survive). */
  restart(): Promise<void>;
}

/** Whether this run is on PostgreSQL (`npm run test:pg`) rather than SQLite (`npm test`). */
const onPostgres = !!process.env.TEST_PG_URL;

let databases = 0;
/** On PostgreSQL: a fresh database cloned from the run's migrated template, as a DATABASE_URL. */
async function freshPgDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: process.env.TEST_PG_URL });
  const name = `t_${process.pid}_${++databases}`;
  await admin.connect();
  try {
    await admin.query(`create database ${name} template debrief_template`);
  } finally {
    await admin.end();
  }
  return process.env.TEST_PG_URL!.replace(/\/[^/]*$/, `/${name}`);
}

/**
 * A fresh PostgreSQL database for a test that must run on PostgreSQL in either run: one cloned
 * from the run's template under `npm run test:pg`, else a private throwaway cluster of its own
 * (`stop()` removes it).
 */
export async function pgTestDatabase(): Promise<{ url: string; stop(): void }> {
  if (onPostgres) return { url: await freshPgDatabase(), stop() {} };
  const cluster = await startPgCluster();
  return { url: cluster.url(), stop: () => cluster.stop() };
}

/** A PostgreSQL database for the tests of one `describe`: made before them, stopped after. Read `url` inside a test. */
export function pgDatabaseForSuite(): { url: string } {
  const db = { url: '' };
  let stop = () => {};
  beforeAll(async () => {
    ({ url: db.url, stop } = await pgTestDatabase());
  }, 60_000);
  afterAll(() => stop());
  return db;
}

/** On PostgreSQL there is no SQLite handle: a test that reaches for one is SQLite-only and says so. */
const NO_SQLITE = new Proxy({} as SqliteHandle, {
  get() {
    throw new Error('this test uses the SQLite handle (app.sqlite): it is SQLite-only');
  },
});

/**
 * The real app (HTTP + Socket.IO) on a random loopback port, with a fresh database with all
 * migrations applied — SQLite in its own temp data folder, or (`npm run test:pg`) its own
 * PostgreSQL database. One per test file.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = tempDir();
  const port = await freePort();
  const database = onPostgres && !('DATABASE_URL' in env) ? { DATABASE_URL: await freshPgDatabase(), DATABASE_POOL_SIZE: '5' } : {};
  const config = loadConfig({
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
    ...database,
    ...env,
  });
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        rawLogs.push(line);
        logs.push(JSON.parse(line));
      }
      cb();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const clock = testClock();
  const boot = async () => {
    const { db, sqlite } =
      config.database.kind === 'sqlite' ? openDatabase(config.database.file) : { db: connectDatabase(config.database).db, sqlite: NO_SQLITE };
    await migrateToLatest(db);
    // Several-instances mode (REDIS_URL), connected as server/main.ts does.
    const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger, config.databaseWaitMs) : null;
    const deps: AppDeps = await buildDeps({ db, config, logger, clock, redis });
    const server = await startServer(deps, CLIENT_DIR);
    return { db, sqlite, deps, server };
  };
  const stop = async (a: TestApp) => {
    await a.server.close(1000);
    a.deps.mailer.stop();
    await a.deps.setup.stop();
    // destroy, not close: close waits for the answers to commands sent, and a test may have frozen Redis.
    if (a.deps.redis?.isOpen) a.deps.redis.destroy();
    await a.db.destroy();
  };
  const app: TestApp = {
    url: config.publicUrl,
    ...(await boot()),
    config,
    clock,
    logs,
    rawLogs,
    async close() {
      await stop(app);
      rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await stop(app);
      // Let pooled keep-alive connections see the close before anything is sent again.
      await new Promise((r) => setTimeout(r, 200));
      Object.assign(app, await boot());
    },
  };
  return app;
}

/** The setup code the app printed to its log at start (the latest: a restart before setup issues a fresh one). */
export function setupCodeFromLogs(app: TestApp): string {
  const line = app.logs.findLast((l) => typeof l.setupCode === 'string');
  if (!line) throw new Error('no setup code in the log');
  return line.setupCode as string;
}

/** The two databases a test runs the same checks on. */
export const DATABASES = ['SQLite', 'PostgreSQL'] as const;

/**
 * The test app of one `describe` on `database` — SQLite, or a PostgreSQL database of its own (see
 * `pgTestDatabase`) — started before its tests and closed after them. Read `.app` inside tests.
 */
export function appOn(database: (typeof DATABASES)[number]): { app: TestApp } {
  const holder = {} as { app: TestApp };
  let stop = () => {};
  beforeAll(async () => {
    if (database === 'PostgreSQL') {
      const pg = await pgTestDatabase();
      stop = pg.stop;
      holder.app = await startTestApp({ DATABASE_URL: pg.url, DATABASE_POOL_SIZE: '5' });
    } else holder.app = await startTestApp({ DATABASE_URL: '' });
  }, 60_000);
  afterAll(async () => {
    await holder.app?.close();
    stop();
  });
  return holder;
}

/**
 * A migrated, empty database of each kind (no app): SQLite in a temp folder and PostgreSQL (see
 * `pgTestDatabase`), opened before the file's tests and closed after them. `url` is PostgreSQL's.
 */
export function bothDatabases(): { sqlite: Db; postgres: Db; url: string } {
  const dbs = {} as { sqlite: Db; postgres: Db; url: string };
  let stop = () => {};
  beforeAll(async () => {
    const pg = await pgTestDatabase();
    stop = pg.stop;
    dbs.url = pg.url;
    dbs.sqlite = openDatabase(path.join(tempDir('debrief-both-'), 'db.sqlite')).db;
    dbs.postgres = openPostgres(pg.url, 4).db;
    await migrateToLatest(dbs.sqlite);
    await migrateToLatest(dbs.postgres);
  }, 60_000);
  afterAll(async () => {
    await dbs.sqlite?.destroy();
    await dbs.postgres?.destroy();
    stop();
  });
  return dbs;
}
