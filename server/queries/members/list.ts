import type { ExpressionBuilder } from 'kysely';
import type { Database, UserRow } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import type { MemberDTO } from '../../contracts/users.js';
import { authorize } from '../../policies/index.js';
import { presentMember } from '../../presenters/member.js';
import type { CommandContext } from '../../context.js';
import { findMember, policyFor, type Directory } from './directory.js';

const STATUS_ORDER = { active: 0, invited: 1, removed: 2 } as const;

function pendingChange<C extends 'new_email' | 'expires_at'>(eb: ExpressionBuilder<Database & { u: UserRow }, 'u'>, column: C) {
  return eb
    .selectFrom('email_changes as c')
    .select(`c.${column}` as `c.${C}`)
    .whereRef('c.user_id', '=', 'u.id')
    .where('c.used_at', 'is', null)
    .where('c.voided_at', 'is', null)
    .orderBy('c.created_at', 'desc')
    .limit(1);
}

function lastLinkMail<C extends 'status' | 'last_error' | 'created_at'>(eb: ExpressionBuilder<Database & { u: UserRow }, 'u'>, column: C) {
  return (
    eb
      .selectFrom('mail_outbox as m')
      .select(`m.${column}` as `m.${C}`)
      // Never by a held address: mails to it are another account's, which a Manager must learn nothing about.
      .where((e) =>
        e.or([
          e.and([e('m.kind', '=', 'invitation'), e('m.to_address', '=', e.ref('u.email'))]),
          e.and([e('m.kind', '=', 'email_change'), e('m.to_address', '=', pendingChange(eb, 'new_email'))]),
        ]),
      )
      .orderBy('m.id', 'desc')
      .limit(1)
  );
}

function membersQuery(deps: Pick<AppDeps, 'db'>, dir: Directory) {
  let q = deps.db
    .selectFrom('users as u')
    .select(['u.id', 'u.name', 'u.email', 'u.role', 'u.status', 'u.last_login_at', 'u.held_email', 'u.held_reason'])
    .select((eb) => [
      eb
        .selectFrom('invitations as i')
        .select((e) => e.fn.max('i.created_at').as('m'))
        .whereRef('i.user_id', '=', 'u.id')
        .as('invited_at'),
      eb.case().when('u.totp_secret_enc', 'is not', null).then(1).else(0).end().as('mfa_enabled'),
      // The newest pending change of address (a newer one voids the older).
      pendingChange(eb, 'new_email').as('pending_email'),
      pendingChange(eb, 'expires_at').as('pending_expires_at'),
      // The newest mail that carried this person a link (invitation, address confirmation) and how it went.
      lastLinkMail(eb, 'status').as('mail_status'),
      lastLinkMail(eb, 'last_error').as('mail_error'),
      lastLinkMail(eb, 'created_at').as('mail_at'),
    ])
    .where('u.kind', '=', dir.kind);
  if (dir.kind === 'portal') q = q.where('u.client_id', '=', dir.clientId);
  return q;
}

/** Everyone in a directory (removed people included, so their status shows), active first, then by name. */
export async function listMembers(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, dir: Directory): Promise<MemberDTO[]> {
  const p = policyFor(dir, 'list');
  authorize(ctx.viewer.user, p.action, p.resource);
  const rows = await membersQuery(deps, dir).orderBy('u.name').execute();
  return rows
    .map((r) => presentMember({ ...r, invited_at: r.invited_at ?? null }, ctx.viewer.user.kind))
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}

/** One member as the list shows them to the viewer (after a change). */
export async function memberView(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, dir: Directory, userId: string): Promise<MemberDTO> {
  await findMember(deps.db, dir, userId);
  const row = await membersQuery(deps, dir).where('u.id', '=', userId).executeTakeFirstOrThrow();
  return presentMember({ ...row, invited_at: row.invited_at ?? null }, ctx.viewer.user.kind);
}
