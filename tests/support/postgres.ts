import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL cluster from Debian's `postgresql` package: `initdb` in a temp folder,
 * started on its own free port on 127.0.0.1 (never the system cluster), stopped and removed by
 * `stop()` or when this process exits. As root, the server runs as the package's `postgres` user
 * (PostgreSQL refuses to run as root). Without the package: an Error whose message is the one
 * line saying what to install.
 */
export interface PgCluster {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust authentication on loopback). */
  url(database?: string): string;
  port: number;
  /** The cluster's data folder (its tables' files and WAL). */
  dataDir: string;
  /** The server's major version (15 on Debian 12). */
  version: number;
  /** Stop and remove the cluster. */
  stop(): void;
  /** Stop the server in immediate mode (as a crash: no checkpoint, connections cut), keeping its data. */
  crash(): void;
  /** Start the server again on the same port after `crash()` (it recovers from its WAL). */
  restart(): void;
}

const PG_INSTALL_HINT = 'PostgreSQL is not installed: apt-get install -y postgresql (Debian), or set PG_BIN to its bin folder';

/** The newest installed server's bin folder (`PG_BIN` overrides), or null. */
function pgBinDir(): string | null {
  if (process.env.PG_BIN) return existsSync(path.join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start a cluster. `durable` keeps PostgreSQL's crash-safe defaults (fsync, full_page_writes);
 * otherwise fsync is off, which only matters if the machine itself crashes (the tests' clusters
 * are thrown away). `synchronous_commit` stays on either way: an acknowledged commit is in the
 * server's WAL, so stopping the server in immediate mode loses none.
 */
export async function startPgCluster(o: { durable?: boolean } = {}): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error(PG_INSTALL_HINT);
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'debrief-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    return execFileSync(file, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  };
  let started = false;
  const halt = () => {
    if (started)
      spawnSync(
        asRoot ? 'runuser' : path.join(bin, 'pg_ctl'),
        [...(asRoot ? ['-u', 'postgres', '--', path.join(bin, 'pg_ctl')] : []), '-D', data, '-m', 'immediate', 'stop'],
        { stdio: 'ignore', cwd: dir },
      );
    started = false;
  };
  const stop = () => {
    halt();
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', stop);
  };
  process.on('exit', stop);
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    const port = await freePort();
    const settings = [
      `-p ${port}`,
      `-k ${dir}`,
      `-c listen_addresses=127.0.0.1`,
      `-c max_connections=200`,
      ...(o.durable ? [] : ['-c fsync=off', '-c full_page_writes=off']),
    ];
    const start = () => {
      run('pg_ctl', ['-D', data, '-o', settings.join(' '), '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);
      started = true;
    };
    start();
    const version = Number(/(\d+)/.exec(run('postgres', ['--version']))![1]);
    return { url: (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`, port, dataDir: data, version, stop, crash: halt, restart: start };
  } catch (err) {
    stop();
    throw err;
  }
}
