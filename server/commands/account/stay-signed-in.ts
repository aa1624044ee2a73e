import type { AppDeps, CommandContext } from '../../context.js';
import type { SessionActivityDTO } from '../../contracts/api.js';
import { clientOf, effectiveTimeouts } from '../../auth/access.js';
import { findFirm } from '../../repositories/firm.js';
import { touchSession } from '../../repositories/sessions.js';

/**
 * "Stay signed in" (issue 18, point 6): the person's own answer to the idle warning is recorded as
 * activity now, whatever the usual write interval, so the server's idle deadline moves a whole
 * timeout away. Only the asking session; nothing else changes.
 */
export async function staySignedIn(deps: Pick<AppDeps, 'db' | 'config' | 'clock'>, ctx: CommandContext): Promise<SessionActivityDTO> {
  const v = ctx.viewer;
  const [firm, client] = await Promise.all([findFirm(deps.db), clientOf(deps.db, v.user)]);
  await touchSession(deps.db, v.session.id, deps.clock());
  return { idleRemainingMs: effectiveTimeouts(deps.config, firm, client).idleMs };
}
