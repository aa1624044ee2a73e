import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../context.js';
import type { MemberDTO, PortalRole, StaffRole } from '../contracts/users.js';
import { createInvitation } from '../auth/invitations.js';
import { writeAudit } from '../audit.js';
import { conflict } from '../errors.js';
import { authorize } from '../policies/index.js';
import { auditFor, type CommandContext } from './context.js';
import { openClient, policyFor, type Directory } from './directory.js';
import { memberView } from './member-lister.js';

/** Says the same thing whichever client (or the staff) the address belongs to. */
export const EMAIL_TAKEN = 'An account with this email already exists.';

export interface InviteInput {
  email: string;
  name: string;
  role: StaffRole | PortalRole;
}

/**
 * Invite someone into a directory: an `invited` account without a password, its invitation and
 * the mail carrying the link, all in one transaction; the mailer is nudged after commit.
 * The role has already been limited to the directory's kind by the request schema.
 */
export async function inviteMember(deps: AppDeps, ctx: CommandContext, dir: Directory, input: InviteInput): Promise<MemberDTO> {
  const p = policyFor(dir, 'manage');
  authorize(ctx.viewer.user, p.action, p.resource);
  const client = await openClient(deps.db, dir);
  const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
  const now = deps.clock();
  const id = randomUUID();
  const user = {
    id,
    kind: dir.kind,
    role: input.role,
    client_id: client?.id ?? null,
    email: input.email,
    name: input.name,
  } as const;

  try {
    await deps.db.transaction().execute(async (trx) => {
      // The column is COLLATE NOCASE (and input is lower-cased): Ada@x and ada@x are one account.
      const taken = await trx.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
      if (taken) throw conflict(EMAIL_TAKEN);
      await trx
        .insertInto('users')
        .values({ ...user, password_hash: null, status: 'invited', created_at: now, updated_at: now, last_login_at: null, invited_by: ctx.viewer.user.id })
        .execute();
      await createInvitation(
        trx,
        deps.config,
        { user, firmName: firm?.name ?? 'Debrief', clientName: client?.name ?? null, inviterName: ctx.viewer.user.name, invitedBy: ctx.viewer.user.id },
        now,
      );
      await writeAudit(
        trx,
        auditFor(ctx, user.client_id),
        { action: 'invitation.sent', outcome: 'success', targetType: 'user', targetId: id, details: { kind: dir.kind, role: input.role } },
        now,
      );
    });
  } catch (err) {
    // Two invitations racing for one address: the unique index decides, with the same answer.
    if (err instanceof Error && /UNIQUE constraint failed: users\.email/.test(err.message)) throw conflict(EMAIL_TAKEN);
    throw err;
  }
  deps.bus.publish('mail.queued', {});
  return memberView(deps, dir, id);
}
