import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDir } from '../support/app.js';
import { runScript, signInDemo } from '../support/scripts.js';
import { getBytes } from '../support/evidence.js';
import { copyOfFixture as fixtureCopy, findingsSeen, FIXTURE, FIXTURE_SIGN_INS, fixtureMigrations, sha256, tree, unpack } from '../support/backups.js';
import { migrations } from '../../db/migrations/index.js';

/**
 * `debrief migrate` on data a previous release made (issue 16, point 7): tests/fixtures/data-ba7916b
 * is a demo firm with an uploaded avatar, made by commit ba7916b's code (the release before this
 * one, which adds a migration). `migrate` lists what is pending, leaves a full backup archive
 * `pre-migrate-<from>-<to>.tar` in BACKUP_DIR, migrates, and the people still see their findings
 * and uploads. Rebuild the fixture from each release (tests/fixtures/data-ba7916b.md says how). Data a newer Debrief
 * migrated is refused by name ("upgraded by a newer Debrief"), not Kysely's "corrupted migrations",
 * and left unchanged.
 */
const DEMO = FIXTURE_SIGN_INS;
const AVATAR = readdirSync(path.join(FIXTURE, 'uploads', 'avatars'))[0]!;
const KNOWN = Object.keys(migrations);
const LAST = KNOWN.at(-1)!;
const { last: FROM, pending: PENDING } = fixtureMigrations();
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

/** A copy of the fixture, removed after the tests. */
function copyOfFixture(change?: (db: Database.Database) => void): string {
  const dir = fixtureCopy(change);
  cleanup.push(dir);
  return dir;
}

describe('debrief migrate on data the previous release made', () => {
  it('lists what is pending, writes pre-migrate-<from>-<to>.tar to BACKUP_DIR, migrates; people see findings and uploads', async () => {
    expect(PENDING.length).toBeGreaterThan(0);
    const dir = copyOfFixture();
    const r = runScript('migrate', { DATA_DIR: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const db = path.join(dir, 'debrief.sqlite');
    const backup = path.join(dir, 'backups', `pre-migrate-${FROM}-${LAST}.tar`);
    const list = PENDING.map((m) => `  ${m}\n`).join('');
    const n = PENDING.length;
    expect(r.stdout).toBe(
      `Pending for SQLite ${db}:\n${list}` +
        `Backed up the data before migrating to ${backup}\n` +
        `Applied ${n} migration${n === 1 ? '' : 's'} to SQLite ${db}:\n${list}`,
    );
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    // The archive holds the data as it was before: the earlier schema and the avatar.
    const unpacked = await unpack(backup);
    cleanup.push(unpacked);
    const manifest = JSON.parse(readFileSync(path.join(unpacked, 'manifest.json'), 'utf8'));
    expect(manifest.lastMigration).toBe(FROM);
    expect(manifest.members[`uploads/avatars/${AVATAR}`]).toBe(sha256(readFileSync(path.join(FIXTURE, 'uploads', 'avatars', AVATAR))));
    // Run again, nothing is pending.
    const again = runScript('migrate', { DATA_DIR: dir });
    expect(again.stdout).toMatch(/^SQLite .*debrief\.sqlite is up to date: no migration was pending\.$/m);
    expect(again.status).toBe(0);

    const app = await startTestApp({ DATA_DIR: dir, DATABASE_URL: '' });
    try {
      expect(await findingsSeen(await signInDemo(app, DEMO, 'ada@northwind.example'))).toBeGreaterThan(0);
      const carla = await signInDemo(app, DEMO, 'carla@contoso.example');
      const me = (await carla.get('/api/session')).body.user;
      const avatar = await getBytes(app, carla, `/api/users/${me.id}/avatar`);
      expect(avatar.status).toBe(200);
      expect(sha256(avatar.bytes)).toBe(sha256(readFileSync(path.join(FIXTURE, 'uploads', 'avatars', AVATAR))));
    } finally {
      await app.close();
    }
  }, 120_000);

  it('the pre-migration archive restores into an empty folder, and is migrated there', () => {
    const dir = copyOfFixture();
    expect(runScript('migrate', { DATA_DIR: dir }).status).toBe(0);
    const target = tempDir();
    cleanup.push(target);
    const r = runScript('restore', { DATA_DIR: target }, [path.join(dir, 'backups', `pre-migrate-${FROM}-${LAST}.tar`)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`, migrated to ${LAST}\\.$`, 'm'));
    const db = new Database(path.join(target, 'debrief.sqlite'), { readonly: true });
    expect((db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((m) => m.name)).toEqual(KNOWN);
    db.close();
    expect(existsSync(path.join(target, 'uploads', 'avatars', AVATAR))).toBe(true);
  });

  it('an older binary on newer data: "upgraded by a newer Debrief (…)", naming both migrations; nothing changed', () => {
    const dir = copyOfFixture((db) =>
      db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('2099-01-01T0000_future', new Date().toISOString()),
    );
    const before = tree(dir);
    const r = runScript('migrate', { DATA_DIR: dir });
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/corrupted/);
    expect(r.stderr).toMatch(
      new RegExp(
        `^This database was upgraded by a newer Debrief \\(migration 2099-01-01T0000_future\\); this build \\(.+\\) knows migrations up to ${LAST}\\. Run the newer Debrief, or restore a backup made before the upgrade\\.\\n$`,
      ),
    );
    expect(r.status).toBe(1);
    expect(tree(dir)).toEqual(before);
    expect(existsSync(path.join(dir, 'backups'))).toBe(false);
  });
});
