import { serve } from './endpoint.js';
import { Router, type Request } from 'express';
import type { AppDeps } from '../context.js';
import type { CommandContext } from '../context.js';
import type { MemberDTO } from '../contracts/users.js';
import { commandContextOf } from '../middleware/command-context.js';
import type { Directory } from '../queries/members/directory.js';
import { listMembers } from '../queries/members/list.js';
import { inviteMember } from '../commands/members/invite.js';
import { updateMember } from '../commands/members/update.js';
import { removeMember } from '../commands/members/remove.js';
import { resendInvitation } from '../commands/members/resend-invitation.js';
import { changeMemberEmail } from '../commands/members/change-email.js';
import { readableClient } from '../queries/clients/read.js';

const STAFF: Directory = { kind: 'staff' };

/**
 * Staff accounts (admins) and portal users, through three thin adapters over the same commands:
 * /staff, /clients/:clientId/users (staff, any client), and /portal/users (a client's Managers,
 * whose client is always the one in their session — never a URL or body).
 */
export function usersRouter(deps: AppDeps): Router {
  const r = Router();
  // Where a mail carrying a link went: the invite toast says it plainly (issue 18, point 10).
  const delivered = (member: MemberDTO) => ({ member, delivery: deps.config.smtpUrl ? ('email' as const) : ('outbox' as const) });

  // Staff accounts.
  serve(r, 'GET /staff', async ({ req }) => ({ members: await listMembers(deps, commandContextOf(req), STAFF) }));
  serve(r, 'POST /staff', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return delivered(await inviteMember(deps, ctx, STAFF, input()));
  });
  serve(r, 'PATCH /staff/:userId', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { member: await updateMember(deps, ctx, STAFF, req.params.userId, input()) };
  });
  serve(r, 'POST /staff/:userId/remove', async ({ req }) => ({ member: await removeMember(deps, commandContextOf(req), STAFF, req.params.userId) }));
  serve(r, 'POST /staff/:userId/resend', async ({ req }) => delivered(await resendInvitation(deps, commandContextOf(req), STAFF, req.params.userId)));
  serve(r, 'POST /staff/:userId/email', async ({ req, input }) => changeMemberEmail(deps, commandContextOf(req), STAFF, req.params.userId, input().email));

  // Portal users, as staff see them: any client (a portal user gets 404 for every client id here).
  const staffSide = async (req: Request<{ clientId: string }>): Promise<[CommandContext, Directory]> => {
    const ctx = commandContextOf(req);
    const client = await readableClient(deps, ctx, req.params.clientId);
    return [ctx, { kind: 'portal', clientId: client.id }];
  };
  // Portal users, as a client's Manager sees them: always their own client.
  const managerSide = (req: Request): [CommandContext, Directory] => {
    const ctx = commandContextOf(req, { kind: 'portal' });
    return [ctx, { kind: 'portal', clientId: ctx.viewer.user.client_id! }];
  };

  serve(r, 'GET /clients/:clientId/users', async ({ req }) => ({ members: await listMembers(deps, ...(await staffSide(req))) }));
  serve(r, 'GET /portal/users', async ({ req }) => ({ members: await listMembers(deps, ...managerSide(req)) }));

  serve(r, 'POST /clients/:clientId/users', async ({ req, input }) => {
    const [ctx, dir] = await staffSide(req);
    return delivered(await inviteMember(deps, ctx, dir, input()));
  });
  serve(r, 'POST /portal/users', async ({ req, input }) => {
    const [ctx, dir] = managerSide(req);
    return delivered(await inviteMember(deps, ctx, dir, input()));
  });

  serve(r, 'PATCH /clients/:clientId/users/:userId', async ({ req, input }) => {
    const [ctx, dir] = await staffSide(req);
    return { member: await updateMember(deps, ctx, dir, req.params.userId, input()) };
  });
  serve(r, 'PATCH /portal/users/:userId', async ({ req, input }) => {
    const [ctx, dir] = managerSide(req);
    return { member: await updateMember(deps, ctx, dir, req.params.userId, input()) };
  });

  serve(r, 'POST /clients/:clientId/users/:userId/remove', async ({ req }) => {
    const [ctx, dir] = await staffSide(req);
    return { member: await removeMember(deps, ctx, dir, req.params.userId) };
  });
  serve(r, 'POST /portal/users/:userId/remove', async ({ req }) => {
    const [ctx, dir] = managerSide(req);
    return { member: await removeMember(deps, ctx, dir, req.params.userId) };
  });

  serve(r, 'POST /clients/:clientId/users/:userId/resend', async ({ req }) => {
    const [ctx, dir] = await staffSide(req);
    return delivered(await resendInvitation(deps, ctx, dir, req.params.userId));
  });
  serve(r, 'POST /clients/:clientId/users/:userId/email', async ({ req, input }) => {
    const [ctx, dir] = await staffSide(req);
    return changeMemberEmail(deps, ctx, dir, req.params.userId, input().email);
  });
  serve(r, 'POST /portal/users/:userId/resend', async ({ req }) => {
    const [ctx, dir] = managerSide(req);
    return delivered(await resendInvitation(deps, ctx, dir, req.params.userId));
  });
  serve(r, 'POST /portal/users/:userId/email', async ({ req, input }) => {
    const [ctx, dir] = managerSide(req);
    return changeMemberEmail(deps, ctx, dir, req.params.userId, input().email);
  });

  return r;
}
