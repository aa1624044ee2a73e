import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import type { ProfileDTO } from '../../contracts/profile.js';
import { processAvatar } from '../../services/images.js';
import { deleteStoredFile, storeFile } from '../../services/storage.js';
import { presentProfile } from '../../presenters/profile.js';
import { avatarFileOf, setAvatarFile } from '../../repositories/users.js';
import type { CommandContext } from '../../context.js';
import { lockRow } from '../../../db/dialect.js';

/**
 * Set one's avatar from an uploaded image: re-encoded as a small WebP without metadata, stored
 * under a server-made name; the previous file is deleted after commit (the new one if the write
 * fails). sharp and the file write happen before, never inside, the transaction.
 */
export async function setAvatar(deps: AppDeps, ctx: CommandContext, image: Buffer): Promise<ProfileDTO> {
  const { user } = ctx.viewer;
  const webp = await processAvatar(image);
  const stored = await storeFile(deps.config.uploadsDir, 'avatars', 'webp', webp);
  let previous: string | null;
  try {
    previous = await deps.db.transaction().execute(async (trx) => {
      // The person's row first: of two uploads at once the second replaces (and deletes) the first's file.
      await lockRow(trx, 'users', user.id);
      const before = await avatarFileOf(trx, user.id);
      await setAvatarFile(trx, user.id, stored, deps.clock());
      await writeAudit(
        trx,
        ctx.audit,
        { action: 'profile.avatar_changed', outcome: 'success', targetType: 'user', targetId: user.id, details: { change: 'uploaded' } },
        deps.clock(),
      );
      return before;
    });
  } catch (err) {
    await deleteStoredFile(deps.config.uploadsDir, stored);
    throw err;
  }
  await deleteStoredFile(deps.config.uploadsDir, previous);
  return presentProfile({ ...user, avatar_file: stored });
}
