import type { UserRow } from '../../db/schema.js';
import type { ClientData } from './workspace.js';

/** Rules for the client chat channel (one rule per action; index.ts joins them with the others). */

export type ChatAction = never;

type Principal = Pick<UserRow, 'kind' | 'role' | 'client_id'>;
type Rule = (v: Principal, r: { type: string; clientId?: string } | ClientData | undefined) => boolean;

export const chatRules: Record<ChatAction, Rule> = {};
