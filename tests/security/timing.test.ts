import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { createSession } from '../../server/auth/session.js';
import { sessionCookieName } from '../../server/auth/cookie.js';
import { freePort, tempDir } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff } from '../support/factories.js';
import { requestFrom } from '../support/from-address.js';
import { spawnServer, type Spawned } from '../support/spawn.js';
import { settleTimings, type TimingComparison } from '../support/timing.js';

/**
 * Answers that must not tell whether an account exists must not take measurably longer either.
 * Timed against the production build in its own process (as `npm start` runs it), so the test's
 * own HTTP client never shares an event loop with the server's after-answer work. Each try comes
 * from its own loopback address and account, so rate limits and throttles never weigh in.
 */

const TRIES = 30;
/** A busy moment can spoil one round; a real difference spoils every round. */
const ROUNDS = 3;
let dir: string;
let db: Db;
let server: Spawned;
let base: string;
let cookie: string;
let takenAddresses: string[];
let loginAccounts: string[];

beforeAll(async () => {
  dir = tempDir();
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir);
  db = openDatabase(path.join(dataDir, 'debrief.sqlite')).db;
  await migrateToLatest(db);
  const client = await buildClient(db, { name: 'Globex' });
  await buildStaff(db, { role: 'admin' });
  const manager = await buildPortalUser(db, { client_id: client.id, role: 'manager' });
  const { token } = await createSession(db, { userId: manager.id, mfaVerified: true, ip: '127.0.0.1', userAgent: 'vitest' }, Date.now(), {
    idleMs: 3_600_000,
    absoluteMs: 3_600_000,
  });
  cookie = `${sessionCookieName(false)}=${token}`;
  takenAddresses = [];
  loginAccounts = [];
  for (let i = 0; i < TRIES * ROUNDS; i++) {
    takenAddresses.push((await buildPortalUser(db, { client_id: (await buildClient(db)).id })).email);
    loginAccounts.push((await buildStaff(db)).email);
  }
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawnServer({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, LOG_LEVEL: 'warn' });
  for (let i = 0; !(await fetch(`${base}/healthz`).catch(() => null))?.ok; i++) {
    if (i > 150) throw new Error(`the server did not start: ${server.stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const report = (what: string, c: TimingComparison) =>
  console.log(JSON.stringify({ what, ...Object.fromEntries(Object.entries(c).map(([k, v]) => [k, +v.toFixed(2)])) }));
/** Each pair of tries comes from its own address: 127.0.0.10 … 127.0.0.99 */
const from = (i: number) => `127.0.0.${10 + i}`;

describe('timing does not reveal whether an account exists', () => {
  it('a client Manager inviting a taken address vs a new one: medians of 30 interleaved tries differ by less than the run-to-run spread', async () => {
    let n = 0;
    const invite = async (email: string, i: number) => {
      const res = await requestFrom(from(i), `${base}/api/portal/users`, {
        method: 'POST',
        headers: { cookie, origin: base },
        body: { email, name: 'Nina New', role: 'viewer' },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    await invite(`warm-${++n}@newco.test`, 0);
    let round = 0;
    const r = await settleTimings(
      ROUNDS,
      TRIES,
      (i) => invite(takenAddresses[round * TRIES + i]!, round * TRIES + i),
      (i) => invite(`new-${++n}@newco.test`, round * TRIES + i),
      (c) => (round++, Math.max(c.spread, 1)),
    );
    r.rounds.forEach((c) => report('invitation: taken (A) vs new (B)', c));
    expect(r.settled, 'every round differed by more than its own run-to-run spread').toBe(true);
  });

  it('signing in with an unknown address vs a wrong password: medians of 30 interleaved tries differ by less than the run-to-run spread', async () => {
    const login = async (email: string, i: number) => {
      const res = await requestFrom(from(i), `${base}/api/auth/login`, {
        method: 'POST',
        headers: { origin: base },
        body: { email, password: 'not the password 987' },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(401);
    };
    await login('warm@nowhere.test', 0); // the dummy hash is made on first use
    let round = 0;
    const r = await settleTimings(
      ROUNDS,
      TRIES,
      (i) => login(loginAccounts[round * TRIES + i]!, round * TRIES + i),
      (i) => login(`ghost-${round}-${i}@nowhere.test`, round * TRIES + i),
      (c) => (round++, Math.max(c.spread, 2)),
    );
    r.rounds.forEach((c) => report('login: wrong password (A) vs unknown address (B)', c));
    // Skipping the dummy argon2 verification for unknown addresses makes every round differ by a whole verification.
    expect(r.settled, 'every round differed by more than its own run-to-run spread').toBe(true);
  });
});
