import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/app.js';

/**
 * The packaged file's runtime folder (server/packaged.ts): natives written once per build to
 * RUNTIME_DIR/<build id>/, checked at every start (a changed file is written again), other builds'
 * folders removed, and a noexec mount refused in one line naming RUNTIME_DIR and the mount.
 */
const BINARY = path.join(ROOT, 'release', 'debrief');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'debrief-runtime-'));
const exe = path.join(work, 'debrief');
const noexec = path.join(work, 'noexec');
let mounted = false;

afterAll(() => {
  if (mounted) spawnSync('umount', [noexec]);
  fs.rmSync(work, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string>) => spawnSync(exe, args, { cwd: work, env, encoding: 'utf8', timeout: 60_000 });
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A small tmpfs mounted noexec, when this process may mount (root, as in CI); else null. */
function mountNoexec(): boolean {
  fs.mkdirSync(noexec, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'noexec,size=256m', 'tmpfs', noexec], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!fs.existsSync(BINARY))('the packaged runtime folder', () => {
  fs.copyFileSync(BINARY, exe);
  fs.chmodSync(exe, 0o755);

  it('writes the natives once per build, rewrites a changed one at the next start, and removes other builds’ folders', () => {
    const data = path.join(work, 'data');
    const stale = path.join(data, '.runtime', '0123456789abcdef');
    fs.mkdirSync(stale, { recursive: true, mode: 0o700 });
    // RUNTIME_DIR may hold other things: only builds' folders are removed.
    const other = path.join(data, '.runtime', 'notes.txt');
    fs.writeFileSync(other, 'mine');
    const first = run(['migrate'], { DATA_DIR: data });
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(fs.readFileSync(other, 'utf8')).toBe('mine');
    fs.rmSync(other);
    const builds = fs.readdirSync(path.join(data, '.runtime'));
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(builds[0]).not.toBe('0123456789abcdef');
    const native = path.join(data, '.runtime', builds[0]!, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const good = sha(native);
    expect(good).toBe(sha(path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')));
    expect(fs.existsSync(path.join(data, '.runtime', builds[0]!, 'node_modules', '@img', 'sharp-linux-x64', 'lib', 'sharp-linux-x64.node'))).toBe(true);
    fs.writeFileSync(native, 'tampered');
    const again = run(['migrate'], { DATA_DIR: data });
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(sha(native)).toBe(good);
  });

  it('refuses a runtime folder others can write to, in one line, before loading anything from it', () => {
    const runtime = path.join(work, 'shared-rt');
    fs.mkdirSync(runtime, { mode: 0o777 });
    fs.chmodSync(runtime, 0o777);
    const r = run(['migrate'], { DATA_DIR: path.join(work, 'data3'), RUNTIME_DIR: runtime });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `RUNTIME_DIR ${runtime}: ${runtime} must be a folder of this user's that no one else can write to (it holds the natives this program loads)\n`,
    );
    expect(fs.readdirSync(runtime)).toEqual([]);
    expect(fs.existsSync(path.join(work, 'data3', 'debrief.sqlite'))).toBe(false);
  });

  it('stops with one line naming RUNTIME_DIR and the mount when the runtime folder is on a noexec mount', (ctx) => {
    mounted = mountNoexec();
    if (!mounted) ctx.skip(); // not root: cannot mount a tmpfs here
    const runtime = path.join(noexec, 'rt');
    const r = run(['migrate'], { DATA_DIR: path.join(work, 'data2'), RUNTIME_DIR: runtime });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `RUNTIME_DIR ${runtime} is on the mount ${noexec}, mounted noexec: the packaged natives cannot be loaded from it; set RUNTIME_DIR to a folder on a mount that allows executables\n`,
    );
    expect(fs.existsSync(path.join(work, 'data2', 'debrief.sqlite'))).toBe(false);
  });
});
