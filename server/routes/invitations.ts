import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { rateLimited } from '../errors.js';
import { createLimiter } from '../auth/rate-limit.js';
import { originContextOf, setSessionCookie } from '../middleware/origin-context.js';
import { acceptInvitation } from '../commands/account/accept-invitation.js';
import { emailChangePreview, invitationPreview } from '../queries/account.js';
import { confirmEmailChange } from '../commands/account/confirm-email-change.js';

/** Opening and accepting an invitation link, and confirming a change of address (anonymous: the link is the credential). */
export function invitationsRouter(deps: AppDeps): Router {
  const r = Router();
  // Links carry 160 bits, so guessing is hopeless; the bucket only keeps a flood of argon2 hashes off the CPU.
  const perIp = createLimiter(deps, { name: 'invite-ip', burst: 60, perSecond: 1 });
  const throttle = async (ip: string | undefined) => {
    const t = await perIp.take(`invite:${ip ?? 'unknown'}`);
    if (!t.ok) throw rateLimited(t.retryAfterSeconds);
  };

  serve(r, 'GET /invitations/:token', async ({ req }) => {
    await throttle(req.ip);
    return await invitationPreview(deps, req.params.token);
  });

  serve(r, 'POST /invitations/accept', async ({ req, res, input }) => {
    await throttle(req.ip);
    const { result, session } = await acceptInvitation(deps, originContextOf(req), input());
    setSessionCookie(res, deps.config, session);
    return result;
  });

  // Confirming a change of address: the link mailed to the new address is the credential.
  serve(r, 'GET /email-change/:token', async ({ req }) => {
    await throttle(req.ip);
    return await emailChangePreview(deps, req.params.token);
  });
  serve(r, 'POST /email-change/confirm', async ({ req, input }) => {
    await throttle(req.ip);
    return await confirmEmailChange(deps, originContextOf(req), input().token);
  });

  return r;
}
