import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import type { ProfileDTO } from '../../contracts/profile.js';
import { deleteStoredFile } from '../../services/storage.js';
import { presentProfile } from '../../presenters/profile.js';
import { avatarFileOf, setAvatarFile } from '../../repositories/users.js';
import type { CommandContext } from '../../context.js';
import { lockRow } from '../../../db/dialect.js';

/** Remove one's avatar (nothing happens, and nothing is audited, when there is none); the file is deleted after commit. */
export async function removeAvatar(deps: AppDeps, ctx: CommandContext): Promise<ProfileDTO> {
  const { user } = ctx.viewer;
  const previous = await deps.db.transaction().execute(async (trx) => {
    await lockRow(trx, 'users', user.id); // an upload committing meanwhile: its file is the one removed
    const file = await avatarFileOf(trx, user.id);
    if (!file) return null;
    await setAvatarFile(trx, user.id, null, deps.clock());
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'profile.avatar_changed', outcome: 'success', targetType: 'user', targetId: user.id, details: { change: 'removed' } },
      deps.clock(),
    );
    return file;
  });
  await deleteStoredFile(deps.config.uploadsDir, previous);
  return presentProfile({ ...user, avatar_file: null });
}
