import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import { ROOT, type TestApp } from './app.js';
import { Agent } from './http.js';
import { totpCode } from './totp.js';

/**
 * The project's scripts (`npm run demo`, `backup`, `move-to-postgres`, `audit:verify`) run as a person runs them:
 * their own process, Node's ESM loader through tsx, only PATH and the given environment.
 */
export function runScript(
  script: 'seed' | 'backup' | 'restore' | 'migrate' | 'move-to-postgres' | 'audit-verify',
  env: Record<string, string>,
  args: string[] = [],
): SpawnSyncReturns<string> {
  // The demo, backup, restore and migrate are commands of the one entry (server/cli.ts); the others are scripts of their own.
  const entry = script === 'seed' ? 'demo' : ['backup', 'restore', 'migrate'].includes(script) ? script : null;
  const command = entry ? ['server/main.ts', entry] : [`db/${script}.ts`];
  return spawnSync(process.execPath, ['--import', 'tsx', ...command.map((c, i) => (i === 0 ? path.join(ROOT, c) : c)), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** A demo account signed in with its password and authenticator, as `npm run demo` printed them (`demo`: its output). */
export async function signInDemo(app: TestApp, demo: string, email: string): Promise<Agent> {
  const [, password, secret] = new RegExp(`${email.replaceAll('.', '\\.')}\\s+(\\S+)\\s+([A-Z2-7]{32})`).exec(demo)!;
  const agent = new Agent(app.url);
  expect((await agent.post('/api/auth/login', { email, password })).body).toEqual({ mfaStep: 'verify' });
  expect((await agent.post('/api/auth/mfa', { code: totpCode(secret!) })).status).toBe(200);
  return agent;
}
