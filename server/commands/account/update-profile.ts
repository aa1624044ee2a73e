import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { mailEveryFrom, notifyPrefsFrom, type ProfileDTO, type ProfileUpdateInput } from '../../contracts/profile.js';
import { presentProfile } from '../../presenters/profile.js';
import { getUser, updateProfileFields } from '../../repositories/users.js';
import type { CommandContext } from '../../context.js';
import { lockRow } from '../../../db/dialect.js';

/**
 * Change one's own name and notification preferences (the mails one gets); preferences not sent
 * keep their value. Email, role and kind are not self-editable.
 */
export async function updateProfile(deps: AppDeps, ctx: CommandContext, input: ProfileUpdateInput): Promise<ProfileDTO> {
  const { user: me } = ctx.viewer;
  const now = deps.clock();
  const user = await deps.db.transaction().execute(async (trx) => {
    // The person's row first: of two changes at once the second reads the first's preferences.
    await lockRow(trx, 'users', me.id);
    const current = await getUser(trx, me.id);
    // The mail switches and the mail window share one JSON column; either keeps the other.
    const changed = input.notifyPrefs !== undefined || input.mailEvery !== undefined;
    const mailEvery = input.mailEvery !== undefined ? input.mailEvery : mailEveryFrom(current.notify_prefs);
    const prefs = changed ? { ...notifyPrefsFrom(current.notify_prefs), ...input.notifyPrefs, ...(mailEvery !== null && { mailEvery }) } : undefined;
    await updateProfileFields(
      trx,
      me.id,
      { ...(input.name !== undefined && { name: input.name }), ...(prefs && { notify_prefs: JSON.stringify(prefs) }) },
      now,
    );
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'profile.updated', outcome: 'success', targetType: 'user', targetId: me.id, details: { fields: Object.keys(input) } },
      now,
    );
    return getUser(trx, me.id);
  });
  return presentProfile(user);
}
