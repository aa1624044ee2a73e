import type { UserRow } from '../../db/schema.js';
import type { ClientData } from './workspace.js';

/**
 * Rules for the client chat channel (one rule per action; index.ts joins them with the others).
 * Staff read and write every client's channel; a client's portal users read their own, and its
 * Collaborators and Managers write in it (Viewers are read-only, as everywhere). Whether the
 * client's Chat module is on is checked where the channel is loaded (modules.ts), not here.
 */

export type ChatAction = 'chat.read' | 'chat.write';

type Principal = Pick<UserRow, 'kind' | 'role' | 'client_id'>;
type Rule = (v: Principal, r: { type: string; clientId?: string } | ClientData | undefined) => boolean;

const ownClient = (v: Principal, r: { type: string; clientId?: string } | undefined) =>
  v.kind === 'portal' && r?.type === 'clientData' && v.client_id !== null && r.clientId === v.client_id;

export const chatRules: Record<ChatAction, Rule> = {
  'chat.read': (v, r) => v.kind === 'staff' || ownClient(v, r),
  'chat.write': (v, r) =>
    (v.kind === 'staff' && (v.role === 'admin' || v.role === 'analyst')) || (ownClient(v, r) && (v.role === 'collaborator' || v.role === 'manager')),
};
