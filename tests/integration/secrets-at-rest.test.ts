import { existsSync, readFileSync, statSync } from 'node:fs';
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildFirm, buildPortalUser, PASSWORD } from '../support/factories.js';
import { totpCode } from '../support/totp.js';

let app: TestApp;
beforeAll(async () => {
  // The SQLite file and its WAL, in either run (`DATABASE_URL: ''`); PostgreSQL's data files are still to be checked (issue 13).
  app = await startTestApp({ DATABASE_URL: '' });
  await buildFirm(app.db);
});
afterAll(() => app.close());

/** The token part of the Agent's cookie (`name=<id>.<secret>`). */
const tokenOf = (agent: Agent) => agent.cookie!.slice(agent.cookie!.indexOf('=') + 1);

describe('secrets at rest (SQLite)', () => {
  it('keeps the TOTP secret, recovery codes and session tokens out of the database file, its WAL and the logs', async () => {
    const user = await buildPortalUser(app.db);
    const tokens: string[] = [];

    // Enrol over HTTP, as a person would.
    const agent = new Agent(app.url);
    expect((await agent.post('/api/auth/login', { email: user.email, password: PASSWORD })).body).toEqual({ mfaStep: 'enrol' });
    tokens.push(tokenOf(agent));
    const start = await agent.post('/api/auth/mfa/enrol/start');
    const secret: string = start.body.secret;
    const confirm = await agent.post('/api/auth/mfa/enrol/confirm', { code: totpCode(secret, app.clock()) });
    expect(confirm.status).toBe(200);
    const recoveryCodes: string[] = confirm.body.recoveryCodes;
    tokens.push(tokenOf(agent));
    await agent.post('/api/auth/logout');

    // Sign in again with password and code.
    app.clock.advance(30_000);
    const again = new Agent(app.url);
    expect((await again.post('/api/auth/login', { email: user.email, password: PASSWORD })).body).toEqual({ mfaStep: 'verify' });
    tokens.push(tokenOf(again));
    expect((await again.post('/api/auth/mfa', { code: totpCode(secret, app.clock()) })).status).toBe(200);
    tokens.push(tokenOf(again));
    expect((await again.get('/api/session')).status).toBe(200);
    expect(new Set(tokens).size).toBe(4);

    const dbFile = app.config.databaseFile;
    const walFile = `${dbFile}-wal`;
    expect(existsSync(walFile)).toBe(true);
    expect(statSync(walFile).size).toBeGreaterThan(0);
    const files = { db: readFileSync(dbFile), wal: readFileSync(walFile) };
    const logs = app.rawLogs.join('\n');
    expect(logs.length).toBeGreaterThan(0);

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
    for (const [what, needle] of needles) {
      expect(files.db.includes(needle), `${what} in the database file`).toBe(false);
      expect(files.wal.includes(needle), `${what} in the WAL`).toBe(false);
      expect(logs.includes(needle.toString('latin1')), `${what} in the logs`).toBe(false);
    }
    // The search itself works: the encrypted box (which changed in this test) is found in the files.
    const box = (await app.db.selectFrom('users').select('totp_secret_enc').where('id', '=', user.id).executeTakeFirstOrThrow()).totp_secret_enc!;
    expect(Buffer.concat([files.db, files.wal]).includes(Buffer.from(box))).toBe(true);
    expect(logs).not.toMatch(/debrief_session=/);
  });
});
