import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import { ROOT, type TestApp } from './app.js';
import { Agent } from './http.js';
import { totpCode } from './totp.js';

type Script = 'seed' | 'backup' | 'restore' | 'migrate' | 'move-to-postgres' | 'audit-verify';

/**
 * The node arguments that run `script`. The demo, backup, restore and migrate are commands of the
 * one entry (server/cli.ts), run from the build as `node dist/server/main.js backup FILE` (npm test
 * builds first); the others are scripts of their own, run through tsx.
 */
function scriptArgs(script: Script, args: string[]): string[] {
  const command = script === 'seed' ? 'demo' : ['backup', 'restore', 'migrate'].includes(script) ? script : null;
  if (command) return [path.join(ROOT, 'dist', 'server', 'main.js'), command, ...args];
  return ['--import', 'tsx', path.join(ROOT, 'db', `${script}.ts`), ...args];
}

/**
 * The project's commands and scripts (`demo`, `backup`, `restore`, `migrate`, `npm run move-to-postgres`, `audit:verify`) run as a person runs them:
 * their own process, only PATH and the given environment.
 */
export function runScript(script: Script, env: Record<string, string>, args: string[] = []): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, scriptArgs(script, args), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** `runScript` without blocking this process (a server in the test keeps serving meanwhile). */
export function startScript(
  script: Script,
  env: Record<string, string>,
  args: string[] = [],
): { child: ChildProcess; done: Promise<{ status: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, scriptArgs(script, args), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
  return { child, done };
}

/** A demo account signed in with its password and authenticator, as `npm run demo` printed them (`demo`: its output). */
export async function signInDemo(app: Pick<TestApp, 'url'>, demo: string, email: string, codeAtMs = Date.now()): Promise<Agent> {
  const [, password, secret] = new RegExp(`${email.replaceAll('.', '\\.')}\\s+(\\S+)\\s+([A-Z2-7]{32})`).exec(demo)!;
  const agent = new Agent(app.url);
  expect((await agent.post('/api/auth/login', { email, password })).body).toEqual({ mfaStep: 'verify', mfaMethods: ['totp', 'recovery_code'] });
  expect((await agent.post('/api/auth/mfa', { code: totpCode(secret!, codeAtMs) })).status).toBe(200);
  return agent;
}
