import type { AppDeps } from '../../context.js';
import type { LogoutDTO } from '../../contracts/sso.js';
import { writeAudit } from '../../audit.js';
import { deleteSession } from '../../auth/session.js';
import { providerLogoutUrl } from './sso-logout.js';
import type { OriginContext } from './origin.js';

/**
 * Sign out: the browser's session (if it still has one) ends, with its live sockets. A session
 * single sign-on made answers where to sign out at the provider too (RP-initiated logout), if the
 * provider offers it; the page sends the browser there.
 */
export async function logout(deps: AppDeps, ctx: OriginContext): Promise<LogoutDTO> {
  if (!ctx.sessionId) return { providerLogoutUrl: null };
  const sessionId = ctx.sessionId;
  const url = await providerLogoutUrl(deps, sessionId);
  await deps.db.transaction().execute(async (trx) => {
    await deleteSession(trx, sessionId);
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'auth.logout', outcome: 'success', targetType: 'session', ...(url && { details: { atProvider: true } }) },
      deps.clock(),
    );
  });
  deps.bus.publish('sessions.ended', { sessionIds: [sessionId], reason: null });
  return { providerLogoutUrl: url };
}
