import type { UserRow } from '../../db/schema.js';
import type { ClientData } from './workspace.js';

/** Rules for comments on findings (one rule per action; index.ts joins them with the others). */

export type CommentAction = never;

type Principal = Pick<UserRow, 'kind' | 'role' | 'client_id'>;
type Rule = (v: Principal, r: { type: string; clientId?: string } | ClientData | undefined) => boolean;

export const commentsRules: Record<CommentAction, Rule> = {};
