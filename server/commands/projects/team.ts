import type { AppDeps } from '../../context.js';
import { validationFailed } from '../../errors.js';
import { activeStaffIds } from '../../repositories/projects.js';

/**
 * A project's team, checked: every id must be an active staff account (a portal user, a removed
 * or invited colleague, or a made-up id is refused with 400, naming the bad ids).
 */
export async function checkedTeam(deps: Pick<AppDeps, 'db'>, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const ok = await activeStaffIds(deps.db, unique);
  const bad = unique.filter((id) => !ok.has(id));
  if (bad.length) {
    const message = `Only active staff accounts can be on a project team (not: ${bad.join(', ')}).`;
    throw validationFailed(`teamUserIds: ${message}`, [{ path: 'teamUserIds', message, invalid: bad }]);
  }
  return unique;
}
