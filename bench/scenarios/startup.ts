import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BenchContext } from '../lib/context.js';
import { freePort, freshDataDir, ROOT, SERVER_ENTRY } from '../lib/server.js';
import { backUpUnderLoad, type BackupLoadResult } from './backup-load.js';

/**
 * `npm run bench -- --startup`: how long from spawn until the server answers `/readyz` 200, for the packaged file cold (empty
 * DATA_DIR, so the natives are written and the database created) and warm, for
 * `node dist/server/main.js`, and for `npm start` with an up-to-date build; plus the package's
 * build time (`npm run package` with the web app already built) and its size, raw and gzip, and
 * the backup's time idle and under the throughput load (bench/scenarios/backup-load.ts).
 */
export interface StartupResult {
  package_build_s: number;
  binary_mib: number;
  binary_gzip_mib: number;
  /** Milliseconds to ready, each repetition. */
  binary_cold_ms: number[];
  binary_warm_ms: number[];
  node_dist_ms: number[];
  npm_start_ms: number[];
  backup: BackupLoadResult;
}

const BINARY = path.join(ROOT, 'release', 'debrief');
const MIB = 2 ** 20;

/** Spawn `cmd` (own process group), time until ready, stop the whole group. */
async function timeToReady(cmd: string[], cwd: string, dataDir: string): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATA_DIR: dataDir };
  const t0 = performance.now();
  const child = spawn(cmd[0]!, cmd.slice(1), { cwd, env, stdio: 'ignore', detached: true });
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      const ready = await fetch(`${url}/readyz`).catch(() => null);
      if (ready?.status === 200) return Math.round(performance.now() - t0);
      if (child.exitCode !== null) throw new Error(`${cmd.join(' ')} exited ${child.exitCode} before it was ready`);
      if (Date.now() > deadline) throw new Error(`${cmd.join(' ')} not ready in 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}

export async function startup(ctx: BenchContext, reps: number): Promise<StartupResult> {
  const t0 = Date.now();
  execFileSync('npm', ['run', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const buildS = (Date.now() - t0) / 1000;
  const bytes = fs.readFileSync(BINARY);
  const result: StartupResult = {
    package_build_s: Math.round(buildS * 10) / 10,
    binary_mib: Math.round((bytes.length / MIB) * 10) / 10,
    binary_gzip_mib: Math.round((gzipSync(bytes).length / MIB) * 10) / 10,
    binary_cold_ms: [],
    binary_warm_ms: [],
    node_dist_ms: [],
    npm_start_ms: [],
    backup: { database_mb: 0, idle_s: 0, loaded_s: 0, msgs_per_s: 0, archive_mb: 0 },
  };
  ctx.log(`startup: package built in ${result.package_build_s} s, ${result.binary_mib} MiB (gzip ${result.binary_gzip_mib} MiB)`);
  // The file alone in a folder, as a firm runs it.
  const home = freshDataDir();
  const exe = path.join(home, 'debrief');
  fs.copyFileSync(BINARY, exe);
  fs.chmodSync(exe, 0o755);
  const warmData = path.join(home, 'warm');
  const distData = freshDataDir();
  const record = (key: keyof StartupResult, ms: number) => {
    (result[key] as number[]).push(ms);
    ctx.log(`startup: ${key} ${ms} ms`);
  };
  // The first warm-up start of each kind creates its data; then the kinds alternate, rep by rep.
  await timeToReady([exe], home, warmData);
  await timeToReady([process.execPath, SERVER_ENTRY], ROOT, distData);
  await timeToReady(['npm', 'start'], ROOT, distData);
  for (let i = 0; i < reps; i++) {
    record('binary_cold_ms', await timeToReady([exe], home, path.join(home, `cold-${i}`)));
    record('binary_warm_ms', await timeToReady([exe], home, warmData));
    record('node_dist_ms', await timeToReady([process.execPath, SERVER_ENTRY], ROOT, distData));
    record('npm_start_ms', await timeToReady(['npm', 'start'], ROOT, distData));
  }
  result.backup = await backUpUnderLoad(ctx);
  return result;
}

/** The startup figures as lines of text. */
export function startupTable(r: StartupResult): string {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = (name: string, xs: number[]) => `${name.padEnd(34)} ${String(med(xs)).padStart(6)} ms   (${xs.join(', ')})`;
  return [
    'Start-up, spawn → /readyz 200 (median, each run):',
    row('release/debrief, empty DATA_DIR', r.binary_cold_ms),
    row('release/debrief, warm', r.binary_warm_ms),
    row('node dist/server/main.js', r.node_dist_ms),
    row('npm start (build up to date)', r.npm_start_ms),
    `npm run package (web app built): ${r.package_build_s} s; release/debrief ${r.binary_mib} MiB, gzip ${r.binary_gzip_mib} MiB`,
    `backup of a ${r.backup.database_mb} MB archive: ${r.backup.idle_s} s idle, ${r.backup.loaded_s} s under ${r.backup.msgs_per_s} acked chat messages/s`,
  ].join('\n');
}
