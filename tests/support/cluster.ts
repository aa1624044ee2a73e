import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { freePort, ROOT, tempDir, type TestApp } from './app.js';
import { Agent } from './http.js';
import { startPgCluster, type PgCluster } from './postgres.js';
import { startRedis, type RedisServer } from './redis.js';
import { runScript } from './scripts.js';
import { spawnServer, type Spawned } from './spawn.js';
import { totpCode } from './totp.js';

/**
 * Several instances as a firm runs them: a throwaway PostgreSQL and Redis, three processes of the
 * production build (`node dist/server/main.js`) sharing the database, Redis, SECRET_KEY and one
 * uploads folder, and HAProxy (Debian's `haproxy`) in front with the repo's own sample config
 * (`deploy/haproxy.cfg`): round-robin, no stickiness. All on loopback, each stopped by PID, also
 * when the test process exits.
 */
const HAPROXY_CONFIG = path.join(ROOT, 'deploy', 'haproxy.cfg');
const HAPROXY_HINT = 'haproxy is not installed: apt-get install -y haproxy (Debian)';

interface Instance {
  name: 'a' | 'b' | 'c';
  port: number;
  /** Direct address of this instance (tests send PUBLIC_URL as Origin, as a browser behind the balancer does). */
  url: string;
  proc: Spawned;
  /** Whether the test stopped it (else an exit is a crash). */
  killed: boolean;
  /** `kill -9`: no shutdown, no goodbye to Redis or its sockets. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** Start the process again on the same port (after kill9 or stop). */
  start(): Promise<void>;
}

export interface Cluster {
  pg: PgCluster;
  redis: RedisServer;
  databaseUrl: string;
  /** The balancer's origin: every instance's PUBLIC_URL. */
  lbUrl: string;
  instances: [Instance, Instance, Instance];
  uploadsDir: string;
  /** What `npm run demo` printed (passwords and authenticator secrets of the demo accounts); '' without the demo. */
  demo: string;
  /** A plain connection to the shared database, for checks. */
  query<T extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<T[]>;
  /** Stop HAProxy, the instances, Redis and PostgreSQL, and remove their folders. */
  stop(): Promise<void>;
}

/** An HTTP agent for one instance (or the balancer) that sends our pages' Origin. */
export function agentFor(c: Cluster, baseUrl: string, cookie: string | null = null): Agent {
  const a = new Agent(baseUrl, { origin: c.lbUrl });
  a.cookie = cookie;
  return a;
}

/** What `connectSocket` needs to reach one instance (or the balancer). */
export const target = (url: string) => ({ url }) as TestApp;

/** The demo's ids by short name: each client by its first word (`contoso`), each person by the part of their address before @ (`carla`). */
export async function demoIds(c: Cluster): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const r of await c.query<{ id: string; name: string }>('select id, name from clients')) ids[r.name.split(' ')[0]!.toLowerCase()] = r.id;
  for (const r of await c.query<{ id: string; email: string }>('select id, email from users')) ids[r.email.split('@')[0]!] = r.id;
  return ids;
}

/** A demo account signed in (password and authenticator) through `baseUrl`. */
export async function signIn(c: Cluster, baseUrl: string, email: string): Promise<Agent> {
  const [, password, secret] = new RegExp(`${email.replaceAll('.', '\\.')}\\s+(\\S+)\\s+([A-Z2-7]{32})`).exec(c.demo)!;
  // A second sign-in of one person within one authenticator step would be a replayed code (refused): as if a minute later.
  await c.query('update users set totp_last_step = null where email = $1', [email]);
  const agent = agentFor(c, baseUrl);
  expect((await agent.post('/api/auth/login', { email, password })).body).toEqual({ mfaStep: 'verify', mfaMethods: ['totp', 'recovery_code'] });
  expect((await agent.post('/api/auth/mfa', { code: totpCode(secret!) })).status).toBe(200);
  return agent;
}

export async function startCluster(extraEnv: Record<string, string> = {}, o: { seed?: boolean } = {}): Promise<Cluster> {
  if (spawnSync('sh', ['-c', 'command -v haproxy']).status !== 0) throw new Error(HAPROXY_HINT);
  const pgc = await startPgCluster();
  const dirs: string[] = [];
  let redis: RedisServer | null = null;
  let haproxy: ChildProcess | null = null;
  const instances: Instance[] = [];
  const pool = new pg.Pool({ connectionString: pgc.url(), max: 2 });
  const stop = async () => {
    haproxy?.kill('SIGKILL');
    // An instance that died by itself: say why (its last output), or the failure would be silent.
    for (const i of instances)
      if (!i.killed && (i.proc.child.exitCode !== null || i.proc.child.signalCode !== null))
        process.stderr.write(
          `instance ${i.name} exited by itself (${i.proc.child.exitCode ?? i.proc.child.signalCode}):\n${[...i.proc.stdout.slice(-20), ...i.proc.stderr].join('\n')}\n`,
        );
    await Promise.all(instances.map((i) => i.kill9()));
    redis?.remove();
    await pool.end().catch(() => {});
    pgc.stop();
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  };
  try {
    await pool.query('create database debrief');
    await pool.end();
    const databaseUrl = pgc.url('debrief');
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    redis = await startRedis();
    const uploadsDir = tempDir('debrief-uploads-');
    dirs.push(uploadsDir);
    const lbPort = await freePort();
    const lbUrl = `http://127.0.0.1:${lbPort}`;
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      SECRET_KEY: randomBytes(32).toString('hex'),
      UPLOADS_DIR: uploadsDir,
      PUBLIC_URL: lbUrl,
      TRUST_PROXY: '127.0.0.1',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '2000',
      ...extraEnv,
    };
    for (const name of ['a', 'b', 'c'] as const) {
      const port = await freePort();
      const dataDir = tempDir(`debrief-${name}-`);
      dirs.push(dataDir);
      const inst: Instance = {
        name,
        port,
        url: `http://127.0.0.1:${port}`,
        proc: null as unknown as Spawned,
        killed: false,
        async kill9() {
          inst.killed = true;
          if (inst.proc.child.exitCode === null && inst.proc.child.signalCode === null) {
            inst.proc.child.kill('SIGKILL');
            await inst.proc.exited;
          }
        },
        async stop() {
          inst.killed = true;
          inst.proc.child.kill('SIGTERM');
          return inst.proc.exited;
        },
        async start() {
          inst.killed = false;
          inst.proc = spawnServer({ ...env, PORT: String(port), DATA_DIR: dataDir });
          await inst.proc.waitForLog((l) => l.msg === 'Debrief is listening', 30_000);
        },
      };
      inst.proc = spawnServer({ ...env, PORT: String(port), DATA_DIR: dataDir });
      instances.push(inst);
    }
    // The three start at once on an empty database: one migrates, the others wait; all serve.
    await Promise.all(instances.map((i) => i.proc.waitForLog((l) => l.msg === 'Debrief is listening', 30_000)));
    const seed = o.seed === false ? null : runScript('seed', { DATABASE_URL: databaseUrl, SECRET_KEY: env.SECRET_KEY, DATA_DIR: dirs[1]! });
    if (seed && seed.status !== 0) throw new Error(`demo seed failed: ${seed.stderr}`);
    haproxy = spawn('haproxy', ['-db', '-f', HAPROXY_CONFIG], {
      env: {
        PATH: process.env.PATH ?? '',
        DEBRIEF_LISTEN: `127.0.0.1:${lbPort}`,
        DEBRIEF_A: `127.0.0.1:${instances[0]!.port}`,
        DEBRIEF_B: `127.0.0.1:${instances[1]!.port}`,
        DEBRIEF_C: `127.0.0.1:${instances[2]!.port}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const haproxyLog: string[] = [];
    haproxy.stderr!.on('data', (d) => haproxyLog.push(String(d)));
    process.once('exit', () => haproxy?.kill('SIGKILL'));
    // Wait until the balancer has every instance up (its health checks pass).
    for (const until = Date.now() + 15_000; ;) {
      const seen = new Set<number>();
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${lbUrl}/healthz`).catch(() => null);
        if (r?.status === 200) seen.add(i % 3);
      }
      if (seen.size === 3) break;
      if (Date.now() > until) throw new Error(`haproxy did not come up:\n${haproxyLog.join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const c: Cluster = {
      pg: pgc,
      redis,
      databaseUrl,
      lbUrl,
      instances: instances as Cluster['instances'],
      uploadsDir,
      demo: seed?.stdout ?? '',
      query: async (text, params) => (await db.query(text, params as unknown[])).rows,
      stop: async () => {
        await db.end().catch(() => {});
        await stop();
      },
    };
    return c;
  } catch (err) {
    await stop();
    throw err;
  }
}
