import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../context.js';
import type { MemberDTO, PortalRole, StaffRole } from '../../contracts/users.js';
import { createInvitation } from '../../auth/invitations.js';
import { writeAudit } from '../../audit.js';
import { conflict } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { auditFor, type CommandContext } from '../../context.js';
import { openClient, policyFor, type Directory } from '../../queries/members/directory.js';
import { announceHeld, EMAIL_TAKEN, holdReason, notifyHeld, placeholderEmail } from './held-invitations.js';
import { memberView } from '../../queries/members/list.js';
import { isUniqueViolation } from '../../../db/dialect.js';

export interface InviteInput {
  email: string;
  name: string;
  role: StaffRole | PortalRole;
}

/**
 * Invite someone into a directory: an `invited` account without a password, its invitation and
 * the mail carrying the link, all in one transaction; the mailer is nudged after commit.
 * The role has already been limited to the directory's kind by the request schema. An address
 * that belongs to an account the inviter may not know about is held (invitation-hold.ts): the
 * same answer, no mail, the firm's admins told.
 */
export async function inviteMember(deps: AppDeps, ctx: CommandContext, dir: Directory, input: InviteInput): Promise<MemberDTO> {
  const p = policyFor(dir, 'manage');
  authorize(ctx.viewer.user, p.action, p.resource);
  const client = await openClient(deps.db, dir);
  const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
  const now = deps.clock();
  const id = randomUUID();

  let notified: number[] = [];
  // Two invitations of one address at once (into two clients, or by two people): the unique key on
  // the address stops the second; run once more, it then sees the first's account and is held like
  // any invitation of a taken address — the same answer, telling nothing about that account.
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.db.transaction().execute(async (trx) => {
        // The address is unique whatever its case (SQLite: COLLATE NOCASE; PostgreSQL: lower(email)), and input is lower-cased.
        const held = await holdReason(trx, ctx, client?.id ?? null, input.email);
        const user = {
          id,
          kind: dir.kind,
          role: input.role,
          client_id: client?.id ?? null,
          email: held ? placeholderEmail(id) : input.email,
          name: input.name,
        } as const;
        await trx
          .insertInto('users')
          .values({
            ...user,
            password_hash: null,
            status: 'invited',
            created_at: now,
            updated_at: now,
            last_login_at: null,
            invited_by: ctx.viewer.user.id,
            held_email: held ? input.email : null,
            held_reason: held,
          })
          .execute();
        const invitation = {
          user,
          firmName: firm?.name ?? 'Debrief',
          clientName: client?.name ?? null,
          inviterName: ctx.viewer.user.name,
          invitedBy: ctx.viewer.user.id,
        };
        await createInvitation(trx, deps.config, invitation, now, !held);
        await writeAudit(
          trx,
          auditFor(ctx, user.client_id),
          {
            action: 'invitation.sent',
            outcome: 'success',
            targetType: 'user',
            targetId: id,
            details: { kind: dir.kind, role: input.role, ...(held && { held }) },
          },
          now,
        );
        if (held && client) {
          notified = await notifyHeld(trx, ctx, client, { email: input.email, reason: held }, now);
        }
      });
      break;
    } catch (err) {
      // Still taken on the second run (the only unique value written that is not a fresh random id).
      if (!isUniqueViolation(err)) throw err;
      if (attempt >= 2) throw conflict(EMAIL_TAKEN);
    }
  }
  deps.bus.publish('mail.queued', {});
  const view = await memberView(deps, ctx, dir, id);
  announceHeld(deps, notified);
  return view;
}
