import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKUP_STAGING_PREFIX, deleteStoredFile, removeBackupStaging, removeStaleBackupStaging, storeFile } from '../../server/services/storage.js';
import { tempDir } from '../support/app.js';

/**
 * A backup stages the uploads it archives in a `.backup-…` folder of the uploads root
 * (db/archive.ts). A file deleted while it stages (an avatar replaced, a message deleted) is linked
 * into that folder first: the database copy, taken meanwhile, may still name it. Without this a
 * backup under churn failed "An upload the database references kept disappearing" (the full CI
 * run of 2026-12-05 on PostgreSQL). Then a link made while the backup removed its staging folder
 * failed the backup with ENOTEMPTY (the PostgreSQL suite of 2026-12-06): the folder is renamed out
 * of the prefix before its tree is removed.
 */
describe('deleting a stored file while a backup stages', () => {
  it('keeps the file in every staging folder and removes it from the uploads', async () => {
    const root = tempDir();
    const stored = await storeFile(root, 'avatars', 'png', Buffer.from('the old avatar'));
    const staging = path.join(root, `${BACKUP_STAGING_PREFIX}0123456789ab`);
    mkdirSync(staging);
    await deleteStoredFile(root, stored);
    expect(existsSync(path.join(root, stored))).toBe(false);
    expect(readFileSync(path.join(staging, 'uploads', stored), 'utf8')).toBe('the old avatar');
  });

  it('deletes as before with no backup staging, and a name that is not ours touches nothing', async () => {
    const root = tempDir();
    const stored = await storeFile(root, 'avatars', 'png', Buffer.from('x'));
    await deleteStoredFile(root, stored);
    expect(existsSync(path.join(root, stored))).toBe(false);
    await deleteStoredFile(root, '../outside.png');
    await deleteStoredFile(root, null);
  });

  it('a staging folder being removed while files are deleted is removed for good: never refilled mid-way, never made again', async () => {
    for (let round = 0; round < 5; round++) {
      const root = tempDir();
      const staging = path.join(root, `${BACKUP_STAGING_PREFIX}0123456789ab`);
      mkdirSync(path.join(staging, 'uploads', 'avatars'), { recursive: true });
      for (let i = 0; i < 300; i++) writeFileSync(path.join(staging, 'uploads', 'avatars', `f${i}.png`), 'x');
      const files = await Promise.all(Array.from({ length: 40 }, (_, i) => storeFile(root, 'avatars', 'png', Buffer.from(`avatar ${i}`))));
      // Deletions racing the removal: each may have listed the staging folder just before it went.
      let removing = true;
      const removal = removeBackupStaging(staging).finally(() => (removing = false));
      const deleting = (async () => {
        for (const f of files) {
          await deleteStoredFile(root, f);
          if (!removing) break;
        }
      })();
      await Promise.all([removal, deleting, ...files.map((f) => deleteStoredFile(root, f))]);
      expect(existsSync(staging)).toBe(false);
      expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
      for (const f of files) expect(existsSync(path.join(root, f))).toBe(false);
    }
  });

  it('left by a killed backup: a staging folder over an hour old and one killed mid-removal go; a running backup’s and the uploads stay', async () => {
    const root = tempDir();
    const stored = await storeFile(root, 'avatars', 'png', Buffer.from('kept'));
    const old = path.join(root, `${BACKUP_STAGING_PREFIX}aaaaaaaaaaaa`);
    const running = path.join(root, `${BACKUP_STAGING_PREFIX}bbbbbbbbbbbb`);
    const halfRemoved = path.join(root, '.removed-backup-cccccccccccc');
    for (const dir of [old, running, halfRemoved]) mkdirSync(path.join(dir, 'uploads', 'avatars'), { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    await removeStaleBackupStaging(root);
    expect(readdirSync(root).sort()).toEqual([path.basename(running), 'avatars']);
    expect(readFileSync(path.join(root, stored), 'utf8')).toBe('kept');
  });
});
