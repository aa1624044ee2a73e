import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/app.js';
import { agentFor, startCluster, type Cluster } from '../support/cluster.js';
import { spawnServer } from '../support/spawn.js';

/**
 * Starting several instances (issue 14, points 1, 2 and 12): what a wrong configuration does, and
 * first-run setup through the balancer — one code for the cluster, usable once, on any instance.
 */
const dirs: string[] = [];
let c: Cluster | null = null;
afterAll(async () => {
  await c?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
const KEY = randomBytes(32).toString('hex');

describe('starting in several-instances mode', () => {
  it('REDIS_URL without SECRET_KEY, or without PostgreSQL, or malformed: exit 1 with one line saying why, no secret printed', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ REDIS_URL: 'redis://127.0.0.1:6390', DATABASE_URL: 'postgres://debrief:pw-not-shown@127.0.0.1:1/debrief' }, /^REDIS_URL is set .* SECRET_KEY is not/],
      [{ REDIS_URL: 'redis://127.0.0.1:6390', SECRET_KEY: KEY }, /^REDIS_URL is set .* DATABASE_URL is not/],
      [{ REDIS_URL: 'http://:pw-not-shown@cache.example.com' }, /^Invalid REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/],
    ];
    for (const [env, line] of cases) {
      const s = spawnServer({ DATA_DIR: dir(), ...env });
      expect(await s.exited).toBe(1);
      const lines = s.stderr.join('').trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(s.stderr.join('') + s.stdout.join('')).not.toContain('pw-not-shown');
    }
  }, 60_000);

  it('an uploads folder it cannot write and rename in stops start-up with one line naming UPLOADS_DIR', async () => {
    const file = path.join(dir(), 'not-a-folder');
    writeFileSync(file, 'x');
    const s = spawnServer({ DATA_DIR: dir(), UPLOADS_DIR: path.join(file, 'uploads') });
    expect(await s.exited).toBe(1);
    const lines = s.stderr.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Cannot write and rename files in the uploads folder .*not-a-folder\/uploads \(UPLOADS_DIR\): ENOTDIR/);
  }, 30_000);

  it('three instances on an empty database: one setup code, printed once, works through HAProxy once', async () => {
    c = await startCluster({}, { seed: false });
    const codes = c.instances.flatMap((i) => i.proc.stdout.map((l) => /"setupCode":"([^"]+)"/.exec(l)?.[1]).filter(Boolean));
    expect(codes).toHaveLength(1);
    const others = c.instances.filter((i) => i.proc.stdout.some((l) => l.includes('setup code already issued by another instance')));
    expect(others).toHaveLength(2);
    const lb = agentFor(c, c.lbUrl);
    const body = (email: string) => ({ code: codes[0], firmName: 'Northwind', name: 'Ada Admin', email, password: 'correct horse battery staple 42' });
    // Through the balancer: each request may land anywhere.
    for (let i = 0; i < 3; i++) expect((await lb.get('/api/setup')).status).toBe(200);
    const first = await lb.post('/api/setup', body('ada@example.com'));
    expect(first.status).toBe(201);
    for (const i of c.instances) {
      const again = await agentFor(c, i.url).post('/api/setup', body(`eve-${i.name}@example.com`));
      expect(again.status).toBe(404);
    }
    expect((await c.query('select count(*)::int as n from users'))[0].n).toBe(1);
  }, 120_000);
});
