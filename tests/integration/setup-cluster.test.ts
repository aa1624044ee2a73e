import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { issueSetupCode } from '../../server/repositories/setup-code.js';
import { pgTestDatabase, setupCodeFromLogs, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { PASSWORD } from '../support/factories.js';

/**
 * First-run setup with several instances (issue 14, point 12): one code for the cluster. The
 * first instance to start logs it, the others say where it is; it works through any instance and
 * is void on all of them once used. SETUP_CODE, when given, is the code and is never printed.
 * Before, each instance had a code of its own in memory: the first one's code was refused by the
 * second (403), and SETUP_CODE did not exist.
 */

const body = (code: string, who = 'ada') => ({ code, firmName: 'Acme Security', name: 'Ada Admin', email: `${who}@acme.test`, password: PASSWORD });
const codeLines = (app: TestApp) => app.logs.filter((l) => typeof l.setupCode === 'string');

describe('two instances on one PostgreSQL database', () => {
  let first: TestApp;
  let second: TestApp;
  let stop = () => {};
  beforeAll(async () => {
    const pg = await pgTestDatabase();
    stop = pg.stop;
    first = await startTestApp({ DATABASE_URL: pg.url, DATABASE_POOL_SIZE: '3' });
    second = await startTestApp({ DATABASE_URL: pg.url, DATABASE_POOL_SIZE: '3' });
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await first?.close();
    stop();
  });

  it('the first logs the code; the second logs no code, only that it was issued elsewhere', () => {
    expect(codeLines(first)).toHaveLength(1);
    expect(codeLines(second)).toHaveLength(0);
    expect(second.logs.some((l) => /setup code already issued by another instance: see its log/.test(String(l.msg)))).toBe(true);
  });

  it("the first's code opens setup through the second, which refuses a wrong one", async () => {
    const code = setupCodeFromLogs(first);
    expect(await second.deps.setup.codeMatches(code)).toBe(true);
    expect((await new Agent(second.url).post('/api/setup', body('aaaaa-bbbbb-ccccc-ddddd'))).status).toBe(403);
    const res = await new Agent(second.url).post('/api/setup', body(code));
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ role: 'admin', email: 'ada@acme.test' });
  });

  it('once used, the code is void on both: a second attempt through the first fails', async () => {
    const code = setupCodeFromLogs(first);
    expect(await first.deps.setup.codeMatches(code)).toBe(false);
    expect(await second.deps.setup.codeMatches(code)).toBe(false);
    expect(await first.deps.setup.isOpen()).toBe(false);
    expect((await new Agent(first.url).post('/api/setup', body(code, 'eve'))).status).toBe(404);
    expect(await first.db.selectFrom('setup_code').selectAll().execute()).toEqual([]);
    expect(await first.db.selectFrom('users').select('email').execute()).toEqual([{ email: 'ada@acme.test' }]);
  });
});

describe('a restart before anyone used the code', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('logs a fresh code that works; the old one no longer does', async () => {
    const old = setupCodeFromLogs(app);
    await app.restart();
    expect(codeLines(app)).toHaveLength(2);
    const fresh = setupCodeFromLogs(app);
    expect(fresh).not.toBe(old);
    expect(await app.deps.setup.codeMatches(old)).toBe(false);
    expect((await new Agent(app.url).post('/api/setup', body(fresh))).status).toBe(201);
  });

  it("a code whose issuer stopped renewing it (it died) is replaced by the next instance's, not before", async () => {
    await app.db.deleteFrom('setup_code').execute();
    expect(await issueSetupCode(app.db, 'a'.repeat(64), 1_000, 2_000)).toBe(true);
    expect(await issueSetupCode(app.db, 'b'.repeat(64), 1_500, 2_500)).toBe(false);
    expect(await issueSetupCode(app.db, 'c'.repeat(64), 2_001, 3_000)).toBe(true);
    expect(await app.db.selectFrom('setup_code').select(['code_hash', 'issued_at']).execute()).toEqual([{ code_hash: 'c'.repeat(64), issued_at: 2_001 }]);
  });
});

describe('SETUP_CODE', () => {
  const SECRET = 'Correct-Horse-Battery-Staple-42';
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ SETUP_CODE: SECRET });
  });
  afterAll(() => app.close());

  it('is the code: a generated one is neither stored nor logged, and a wrong one is refused', async () => {
    expect(codeLines(app)).toHaveLength(0);
    expect(await app.db.selectFrom('setup_code').selectAll().execute()).toEqual([]);
    expect((await new Agent(app.url).post('/api/setup', body('aaaaa-bbbbb-ccccc-ddddd'))).status).toBe(403);
    expect((await new Agent(app.url).post('/api/setup', body(SECRET))).status).toBe(201);
    expect(await app.deps.setup.codeMatches(SECRET)).toBe(false);
    expect((await new Agent(app.url).post('/api/setup', body(SECRET, 'eve'))).status).toBe(404);
  });

  it('is never printed', () => {
    expect(app.rawLogs.join('\n').toLowerCase()).not.toContain(SECRET.toLowerCase());
  });

  it('must be at least 20 characters; the error names the variable, not the value', () => {
    expect(() => loadConfig({ SETUP_CODE: 'short-secret-123' })).toThrow(ConfigError);
    expect(() => loadConfig({ SETUP_CODE: 'short-secret-123' })).toThrow(/^Invalid SETUP_CODE: expected at least 20 characters/);
    expect(() => loadConfig({ SETUP_CODE: 'short-secret-123' })).not.toThrow(/short-secret/);
  });
});
