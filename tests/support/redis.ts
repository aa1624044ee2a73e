import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from './app.js';

/**
 * A throwaway Redis server from Debian's `redis-server` package on its own free loopback port, in a
 * temp folder, with no persistence. `freeze()`/`thaw()` stop and continue the process (SIGSTOP,
 * SIGCONT: Redis hangs, as a stuck server does), `stop()`/`start()` end it and start it again on
 * the same port. Without the package: an Error whose message is the one line saying what to install.
 */
export interface RedisServer {
  url: string;
  port: number;
  pid(): number | undefined;
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop and remove the folder (also when this process exits). */
  remove(): void;
}

const REDIS_HINT = 'redis-server is not installed: apt-get install -y redis-server (Debian)';

function redisBin(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Resolves once something accepts TCP connections on the port and answers PING. */
async function waitForPong(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
      s.setTimeout(500, () => (s.destroy(), resolve(false)));
      s.on('data', (d) => (s.destroy(), resolve(String(d).startsWith('+PONG'))));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not answer on port ${port} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedis(): Promise<RedisServer> {
  const bin = redisBin();
  if (!bin) throw new Error(REDIS_HINT);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'debrief-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'], {
      stdio: 'ignore',
    });
    await waitForPong(port);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGCONT');
    c.kill('SIGKILL');
    await gone;
  };
  const remove = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', remove);
  };
  process.on('exit', remove);
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => child?.pid,
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
    stop,
    start,
    remove: () => {
      void stop();
      remove();
    },
  };
}
