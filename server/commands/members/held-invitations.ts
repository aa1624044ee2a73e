import type { Kysely, Transaction } from 'kysely';
import type { AppDeps } from '../../context.js';
import type { Database, HeldReason } from '../../../db/schema.js';
import { conflict } from '../../errors.js';
import { lockRow } from '../../../db/dialect.js';
import { insertNotifications } from '../../repositories/notifications.js';
import type { CommandContext } from '../../context.js';
import { firmAdmins } from '../notifications/recipients.js';

/**
 * Held invitations: inviting must not tell a client Manager whether an address already has an
 * account elsewhere (a staff member, another client's user). Such an invitation is answered
 * exactly like one to a new address, then *held*: an `invited` account whose `email` is a
 * placeholder that can never receive mail or sign in, the typed address in `held_email`, no link
 * sent — and the firm's admins are told in-app, with the reason, so they can resolve it.
 * Staff inviting are told plainly, and so is a Manager about an address their own list shows.
 */

type DbOrTrx = Kysely<Database> | Transaction<Database>;

/** The address stored for a held invitation: unique, and under `.invalid`, which no mail can reach. */
export const placeholderEmail = (userId: string) => `held-${userId}@invalid`;

/** Already taken by whoever the inviter may know about: one plain answer. */
export const EMAIL_TAKEN = 'That e-mail address is already in use. Use another, or ask the person to sign in.';

/**
 * Whether an invitation to `email` into `clientId` (null: the staff directory) goes out (null),
 * is held (the reason), or is refused with 409 because the inviter may see the account already.
 * Call it first in the inviting transaction: it locks the client row, so two invitations into one
 * client are checked one after the other. A held account's address is a placeholder with no
 * unique key to stop a second one, so without the lock both would find none held and both hold.
 */
export async function holdReason(trx: DbOrTrx, ctx: CommandContext, clientId: string | null, email: string): Promise<HeldReason | null> {
  if (clientId) await lockRow(trx, 'clients', clientId);
  const taken = await trx.selectFrom('users').select(['kind', 'client_id']).where('email', '=', email).executeTakeFirst();
  const heldHere = clientId
    ? await trx.selectFrom('users').select('id').where('held_email', '=', email).where('client_id', '=', clientId).executeTakeFirst()
    : undefined;
  if (heldHere) throw conflict(EMAIL_TAKEN);
  if (!taken) return null;
  if (ctx.viewer.user.kind === 'staff' || clientId === null || taken.client_id === clientId) throw conflict(EMAIL_TAKEN);
  return taken.kind === 'staff' ? 'staff_account' : 'other_client';
}

const REASON_TEXT: Record<HeldReason, string> = {
  staff_account: 'a staff account of the firm',
  other_client: 'a portal user of another client',
};

/** Tell the firm's admins an invitation was held (in the inviting transaction); returns the notification ids. */
export async function notifyHeld(
  trx: DbOrTrx,
  ctx: CommandContext,
  client: { id: string; name: string },
  held: { email: string; reason: HeldReason },
  now: number,
): Promise<number[]> {
  const h = { clientId: client.id, clientName: client.name, inviterId: ctx.viewer.user.id, inviterName: ctx.viewer.user.name, ...held };
  const text =
    `${h.inviterName} (${h.clientName}) invited ${h.email}, which belongs to ${REASON_TEXT[h.reason]}. ` +
    'The invitation was held and nothing was sent: remove it from the client’s portal users, or contact the person.';
  const admins = await firmAdmins(trx);
  return insertNotifications(
    trx,
    admins.map((a) => ({
      user_id: a.id,
      client_id: h.clientId,
      kind: 'invitation_held' as const,
      actor_id: h.inviterId,
      finding_id: null,
      text,
      link: `/staff/clients/${h.clientId}`,
      created_at: now,
    })),
  );
}

/**
 * Deliver the admins' notifications only after the inviter's answer is written (setImmediate runs
 * after the response's microtasks): delivering them first made a held invitation measurably
 * slower to answer than a sent one, which is the very oracle holding exists to close.
 */
export function announceHeld(deps: Pick<AppDeps, 'bus'>, ids: number[]): void {
  if (ids.length) setImmediate(() => deps.bus.publish('notifications.created', { ids }));
}
