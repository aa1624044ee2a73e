import type { AppDeps } from '../../context.js';
import type { ClientRow } from '../../../db/schema.js';
import { forbidden, notFound } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { isArchived, requireSees } from '../../policies/access.js';
import { findChatClient } from '../../repositories/chat.js';
import { resolveProfile, type VisibilityProfile } from '../../visibility/profile.js';
import type { CommandContext } from '../../context.js';

/**
 * Who may open or write in a client's chat channel. The order of checks decides what a refused
 * person learns: another client's channel (or a made-up one) is 404 before anything else; then a
 * role that may not (a portal Viewer writing) 403; then whether the person may see the channel
 * (`policies/access.ts`: the Chat module, 403 `module_disabled` for portal users; staff are never
 * limited by it); then, for writes, an archived client's channel is read-only.
 */

export type ChatClient = Pick<ClientRow, 'id' | 'name' | 'modules' | 'visible_fields' | 'portal_enabled' | 'archived_at'>;

/** The channel's client, after the checks above, and the profile to present its messages with. */
export async function chatChannelFor(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  clientId: string | undefined,
  action: 'chat.read' | 'chat.write',
): Promise<{ client: ChatClient; profile: VisibilityProfile }> {
  const { user } = ctx.viewer;
  // A portal user's channel is always their own client's: naming another one is "not found".
  if (user.kind === 'portal' && clientId !== undefined && clientId !== user.client_id) throw notFound();
  const id = user.kind === 'portal' ? user.client_id : clientId;
  if (!id) throw notFound();
  authorize(user, action, { type: 'clientData', clientId: id });
  const client = requireSees(user, 'chat', await findChatClient(deps.db, id));
  if (action === 'chat.write' && isArchived(client)) throw forbidden('This client is archived: its chat channel is read-only.');
  return { client, profile: resolveProfile(ctx.viewer, client) };
}

/** A message id from a URL: a positive whole number, else "not found" (never a 400 that tells ids apart). */
export function messageIdParam(raw: string): number {
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw notFound();
  return Number(raw);
}
