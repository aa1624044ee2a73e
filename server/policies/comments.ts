import type { UserRow } from '../../db/schema.js';
import type { ClientData } from './workspace.js';

/**
 * Rules for comments on findings (one rule per action; index.ts joins them with the others).
 * Portal users act only on their own client's data; drafts, disabled modules and internal notes
 * are filtered where comments are loaded (SQL and module checks), and "your own comment" is
 * checked by the command (author id), not here.
 */

export type CommentAction = 'comment.read' | 'comment.write' | 'comment.writeInternal' | 'comment.share';

type Principal = Pick<UserRow, 'kind' | 'role' | 'client_id'>;
type Rule = (v: Principal, r: { type: string; clientId?: string } | ClientData | undefined) => boolean;

const isStaff = (v: Principal) => v.kind === 'staff';
const ownsData = (v: Principal, r: { type: string; clientId?: string } | undefined) =>
  v.kind === 'portal' && r?.type === 'clientData' && v.client_id !== null && r.clientId === v.client_id;
/** Collaborators and Managers take part; Viewers only read. */
const mayTalk = (v: Principal) => v.role === 'collaborator' || v.role === 'manager';

export const commentsRules: Record<CommentAction, Rule> = {
  'comment.read': (v, r) => isStaff(v) || ownsData(v, r),
  'comment.write': (v, r) => isStaff(v) || (ownsData(v, r) && mayTalk(v)),
  // Internal notes and sharing them are the firm's own bookkeeping.
  'comment.writeInternal': (v) => isStaff(v),
  'comment.share': (v) => isStaff(v),
};
