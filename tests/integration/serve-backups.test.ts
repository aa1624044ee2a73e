import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/app.js';
import { spawnServer } from '../support/spawn.js';
import { copyOfFixture, fixtureMigrations } from '../support/backups.js';
import { migrations } from '../../db/migrations/index.js';

/**
 * The built server (`node dist/server/main.js`, as `npm start` runs it) on the previous release's
 * data (tests/fixtures) (issue 16, points 5 and 7): before migrating at start-up it writes
 * `pre-migrate-<from>-<to>.tar` to BACKUP_DIR; with BACKUP_EVERY_HOURS set it writes scheduled
 * archives; SIGTERM stops it cleanly (exit 0, nothing on stderr) with the schedule.
 */
const dir = copyOfFixture();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the server at start-up and while running', () => {
  it('backs up before migrating, runs scheduled backups, and stops cleanly', async () => {
    const port = await freePort();
    const s = spawnServer({
      DATA_DIR: dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      BACKUP_EVERY_HOURS: '0.0003',
      BACKUP_KEEP: '2',
    });
    const { last, pending } = fixtureMigrations();
    expect(pending.length).toBeGreaterThan(0);
    const migrated = await s.waitForLog((l) => l.msg === 'database migrated', 60_000);
    const pre = path.join(dir, 'backups', `pre-migrate-${last}-${Object.keys(migrations).at(-1)}.tar`);
    expect(migrated).toMatchObject({ migrations: pending, backup: pre });
    expect(statSync(pre).mode & 0o777).toBe(0o600);
    await s.waitForLog((l) => l.event === 'backup_written', 30_000);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stderr.join('')).toBe('');
    const names = readdirSync(path.join(dir, 'backups'));
    expect(names.filter((n) => n.startsWith('debrief-')).length).toBeGreaterThanOrEqual(1);
    expect(names.some((n) => n.endsWith('.partial'))).toBe(false);
    expect(existsSync(pre)).toBe(true);
  }, 120_000);
});
