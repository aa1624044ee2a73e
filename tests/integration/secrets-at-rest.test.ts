import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildFirm, buildPortalUser, PASSWORD } from '../support/factories.js';
import { startPgCluster, type PgCluster } from '../support/postgres.js';
import { totpCode } from '../support/totp.js';

/**
 * The TOTP secret, recovery codes and session tokens never reach the database's files or the logs
 * in the clear: only the encrypted secret box and hashes do. On SQLite: its file and WAL. On
 * PostgreSQL (a cluster of this test's own, whatever the run): every file of its data folder — the
 * tables' files after a checkpoint, and the WAL.
 */

/** The token part of the Agent's cookie (`name=<id>.<secret>`). */
const tokenOf = (agent: Agent) => agent.cookie!.slice(agent.cookie!.indexOf('=') + 1);

/**
 * A portal user enrols in MFA over HTTP, signs out and in again with password and code, as a
 * person would. Returns every secret that went by, to look for, and the user's encrypted box.
 */
async function secretsOfOnePerson(app: TestApp): Promise<{ needles: [string, Buffer][]; box: Buffer }> {
  await buildFirm(app.db);
  const user = await buildPortalUser(app.db);
  const tokens: string[] = [];
  const agent = new Agent(app.url);
  expect((await agent.post('/api/auth/login', { email: user.email, password: PASSWORD })).body).toEqual({ mfaStep: 'enrol', mfaMethods: ['passkey', 'totp'] });
  tokens.push(tokenOf(agent));
  const start = await agent.post('/api/auth/mfa/enrol/start');
  const secret: string = start.body.secret;
  const confirm = await agent.post('/api/auth/mfa/enrol/confirm', { code: totpCode(secret, app.clock()) });
  expect(confirm.status).toBe(200);
  const recoveryCodes: string[] = confirm.body.recoveryCodes;
  tokens.push(tokenOf(agent));
  await agent.post('/api/auth/logout');

  app.clock.advance(30_000);
  const again = new Agent(app.url);
  expect((await again.post('/api/auth/login', { email: user.email, password: PASSWORD })).body).toEqual({
    mfaStep: 'verify',
    mfaMethods: ['totp', 'recovery_code'],
  });
  tokens.push(tokenOf(again));
  expect((await again.post('/api/auth/mfa', { code: totpCode(secret, app.clock()) })).status).toBe(200);
  tokens.push(tokenOf(again));
  expect((await again.get('/api/session')).status).toBe(200);
  expect(new Set(tokens).size).toBe(4);

  const needles: [string, Buffer][] = [
    ['TOTP secret (base32)', Buffer.from(secret)],
    ['TOTP secret (base32, lower case)', Buffer.from(secret.toLowerCase())],
    ['TOTP secret (raw bytes)', Buffer.from(Secret.fromBase32(secret).bytes)],
    ...tokens.flatMap((t, i): [string, Buffer][] => [
      [`session token ${i}`, Buffer.from(t)],
      [`session token ${i} (secret part)`, Buffer.from(t.split('.')[1]!)],
    ]),
    ...recoveryCodes.flatMap((c, i): [string, Buffer][] => [
      [`recovery code ${i}`, Buffer.from(c)],
      [`recovery code ${i} (no dashes)`, Buffer.from(c.replace(/-/g, ''))],
    ]),
  ];
  const box = (await app.db.selectFrom('users').select('totp_secret_enc').where('id', '=', user.id).executeTakeFirstOrThrow()).totp_secret_enc!;
  return { needles, box: Buffer.from(box) };
}

/** No needle in any of the files or the logs; the encrypted box is found in the files (so the search works). */
function expectNoSecrets(app: TestApp, files: Record<string, Buffer>, { needles, box }: { needles: [string, Buffer][]; box: Buffer }): void {
  const logs = app.rawLogs.join('\n');
  expect(logs.length).toBeGreaterThan(0);
  for (const [what, needle] of needles) {
    for (const [name, bytes] of Object.entries(files)) expect(bytes.includes(needle), `${what} in ${name}`).toBe(false);
    expect(logs.includes(needle.toString('latin1')), `${what} in the logs`).toBe(false);
  }
  expect(Object.values(files).some((bytes) => bytes.includes(box))).toBe(true);
  expect(logs).not.toMatch(/debrief_session=/);
}

describe('secrets at rest (SQLite)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ DATABASE_URL: '' }); // SQLite in either run
  });
  afterAll(() => app.close());

  it('keeps the TOTP secret, recovery codes and session tokens out of the database file, its WAL and the logs', async () => {
    const secrets = await secretsOfOnePerson(app);
    const dbFile = app.config.databaseFile;
    const walFile = `${dbFile}-wal`;
    expect(existsSync(walFile)).toBe(true);
    expect(statSync(walFile).size).toBeGreaterThan(0);
    expectNoSecrets(app, { 'the database file': readFileSync(dbFile), 'the WAL': readFileSync(walFile) }, secrets);
  });
});

describe('secrets at rest (PostgreSQL)', () => {
  let cluster: PgCluster;
  let app: TestApp;
  beforeAll(async () => {
    cluster = await startPgCluster();
    app = await startTestApp({ DATABASE_URL: cluster.url(), DATABASE_POOL_SIZE: '2' });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    cluster?.stop();
  });

  /** Every regular file under `dir`, by its path relative to the data folder. */
  const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : [],
    );

  it('keeps them out of every file of the cluster (tables after a checkpoint, WAL) and the logs', async () => {
    const secrets = await secretsOfOnePerson(app);
    await sql`checkpoint`.execute(app.db); // the tables' pages on disk, not only in the WAL
    const files: Record<string, Buffer> = {};
    for (const file of filesUnder(cluster.dataDir)) files[path.relative(cluster.dataDir, file)] = readFileSync(file);
    expect(Object.keys(files).some((f) => f.startsWith('pg_wal/'))).toBe(true);
    expect(Object.keys(files).some((f) => f.startsWith('base/'))).toBe(true);
    expectNoSecrets(app, files, secrets);
  });
});
