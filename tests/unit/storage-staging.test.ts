import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKUP_STAGING_PREFIX, deleteStoredFile, storeFile } from '../../server/services/storage.js';
import { tempDir } from '../support/app.js';

/**
 * A backup stages the uploads it archives in a `.backup-…` folder of the uploads root
 * (db/archive.ts). A file deleted while it stages (an avatar replaced, a message deleted) is linked
 * into that folder first: the database copy, taken meanwhile, may still name it. Without this a
 * backup under churn failed "An upload the database references kept disappearing" (the full CI
 * run of 2026-12-05 on PostgreSQL).
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
});
