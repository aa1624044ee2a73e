import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupCodeFromLogs, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildStaff, PASSWORD } from '../support/factories.js';

/**
 * The first-run gate (server/auth/setup.ts) beyond the happy path: the logged code is four groups
 * of five, typed in any case; a wrong code leaves the gate open for the right one; once an admin
 * exists a restarted server prints no code and stays closed.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const body = (code: string) => ({ code, firmName: 'Acme Security', name: 'Ada Admin', email: 'ada@acme.test', password: PASSWORD });
const codeLines = () => app.logs.filter((l) => typeof l.setupCode === 'string');

describe('the setup code', () => {
  it('is four groups of five characters, logged once as a warning', () => {
    const lines = codeLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.setupCode).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}-[a-z2-7]{5}-[a-z2-7]{5}$/);
    expect(lines[0]).toMatchObject({ level: 'warn' });
    expect(String(lines[0]!.msg)).toMatch(/one-time setup code/);
  });

  it('does not match a near miss, and the gate stays open for the right code', async () => {
    const code = setupCodeFromLogs(app);
    expect(await app.deps.setup.codeMatches(code.replaceAll('-', ''))).toBe(false);
    expect(await app.deps.setup.codeMatches(`${code}x`)).toBe(false);
    expect((await new Agent(app.url).post('/api/setup', body(code.slice(0, -1)))).status).toBe(403);
    expect(await app.deps.setup.isOpen()).toBe(true);
  });

  it('is accepted typed in upper case', async () => {
    const code = setupCodeFromLogs(app);
    expect(await app.deps.setup.codeMatches(code.toUpperCase())).toBe(true);
    const res = await new Agent(app.url).post('/api/setup', body(code.toUpperCase()));
    expect(res.status).toBe(201);
    expect(await app.deps.setup.isOpen()).toBe(false);
    expect(await app.deps.setup.codeMatches(code)).toBe(false);
  });

  it('once an admin exists, a restarted server prints no code and the gate stays closed', async () => {
    await app.restart();
    expect(codeLines()).toHaveLength(1);
    expect(await app.deps.setup.isOpen()).toBe(false);
    expect(await app.deps.setup.codeMatches(setupCodeFromLogs(app))).toBe(false);
    expect((await new Agent(app.url).get('/api/setup')).status).toBe(404);
  });
});

describe('a staff account created elsewhere while the gate is open', () => {
  let other: TestApp;
  beforeAll(async () => {
    other = await startTestApp();
  });
  afterAll(() => other.close());

  it('closes the gate (another instance on the same database finished setup first)', async () => {
    expect((await new Agent(other.url).get('/api/setup')).status).toBe(200);
    await buildStaff(other.db, { role: 'admin' });
    expect(await other.deps.setup.isOpen()).toBe(false);
    expect((await new Agent(other.url).get('/api/setup')).status).toBe(404);
    const code = setupCodeFromLogs(other);
    expect((await new Agent(other.url).post('/api/setup', body(code))).status).toBe(404);
  });
});
