import { Router, type Request } from 'express';
import type { AppDeps } from '../context.js';
import { InvitePortalUserInput, InviteStaffInput, UpdatePortalUserInput, UpdateStaffInput } from '../contracts/users.js';
import { parseInput } from '../validate.js';
import type { CommandContext } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import type { Directory } from '../queries/members/directory.js';
import { listMembers } from '../queries/members/list.js';
import { inviteMember } from '../commands/members/invite.js';
import { updateMember } from '../commands/members/update.js';
import { removeMember } from '../commands/members/remove.js';
import { resendInvitation } from '../commands/members/resend-invitation.js';
import { readableClient } from '../queries/clients/read.js';

const STAFF: Directory = { kind: 'staff' };

/**
 * Staff accounts (admins) and portal users, through three thin adapters over the same commands:
 * /staff, /clients/:clientId/users (staff, any client), and /portal/users (a client's Managers,
 * whose client is always the one in their session — never a URL or body).
 */
export function usersRouter(deps: AppDeps): Router {
  const r = Router();

  // Staff accounts.
  r.get('/staff', async (req, res) => {
    res.json({ members: await listMembers(deps, commandContextOf(req), STAFF) });
  });
  r.post('/staff', async (req, res) => {
    const ctx = commandContextOf(req);
    const member = await inviteMember(deps, ctx, STAFF, parseInput(InviteStaffInput, req.body));
    res.status(201).json({ member });
  });
  r.patch('/staff/:userId', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ member: await updateMember(deps, ctx, STAFF, req.params.userId, parseInput(UpdateStaffInput, req.body)) });
  });
  r.post('/staff/:userId/remove', async (req, res) => {
    res.json({ member: await removeMember(deps, commandContextOf(req), STAFF, req.params.userId) });
  });
  r.post('/staff/:userId/resend', async (req, res) => {
    res.json({ member: await resendInvitation(deps, commandContextOf(req), STAFF, req.params.userId) });
  });

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

  r.get('/clients/:clientId/users', async (req, res) => {
    res.json({ members: await listMembers(deps, ...(await staffSide(req))) });
  });
  r.get('/portal/users', async (req, res) => {
    res.json({ members: await listMembers(deps, ...managerSide(req)) });
  });

  r.post('/clients/:clientId/users', async (req, res) => {
    const [ctx, dir] = await staffSide(req);
    res.status(201).json({ member: await inviteMember(deps, ctx, dir, parseInput(InvitePortalUserInput, req.body)) });
  });
  r.post('/portal/users', async (req, res) => {
    const [ctx, dir] = managerSide(req);
    res.status(201).json({ member: await inviteMember(deps, ctx, dir, parseInput(InvitePortalUserInput, req.body)) });
  });

  r.patch('/clients/:clientId/users/:userId', async (req, res) => {
    const [ctx, dir] = await staffSide(req);
    res.json({ member: await updateMember(deps, ctx, dir, req.params.userId, parseInput(UpdatePortalUserInput, req.body)) });
  });
  r.patch('/portal/users/:userId', async (req, res) => {
    const [ctx, dir] = managerSide(req);
    res.json({ member: await updateMember(deps, ctx, dir, req.params.userId, parseInput(UpdatePortalUserInput, req.body)) });
  });

  r.post('/clients/:clientId/users/:userId/remove', async (req, res) => {
    const [ctx, dir] = await staffSide(req);
    res.json({ member: await removeMember(deps, ctx, dir, req.params.userId) });
  });
  r.post('/portal/users/:userId/remove', async (req, res) => {
    const [ctx, dir] = managerSide(req);
    res.json({ member: await removeMember(deps, ctx, dir, req.params.userId) });
  });

  r.post('/clients/:clientId/users/:userId/resend', async (req, res) => {
    const [ctx, dir] = await staffSide(req);
    res.json({ member: await resendInvitation(deps, ctx, dir, req.params.userId) });
  });
  r.post('/portal/users/:userId/resend', async (req, res) => {
    const [ctx, dir] = managerSide(req);
    res.json({ member: await resendInvitation(deps, ctx, dir, req.params.userId) });
  });

  return r;
}
