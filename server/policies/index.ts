import type { UserRow } from '../../db/schema.js';
import { forbidden, notFound, refusal } from '../errors.js';
import { reaches, type ClientScope } from './access.js';
import { canSeeClientData, workspaceRules, type ClientData, type WorkspaceAction } from './workspace.js';
import { commentsRules, type CommentAction } from './comments.js';
import { chatRules, type ChatAction } from './chat.js';
import { remediationRules, type RemediationAction } from './remediation.js';

/**
 * Default deny: an action is allowed only by its one rule below; an action without a rule is
 * refused. Portal users are a different principal from staff with a short list of their own.
 * When the refusal concerns a resource the viewer may not even know exists (another client,
 * or a client record a portal user asks for), the answer is 404, never 403.
 */

type AccountAction =
  'staff.manage' | 'client.read' | 'client.manage' | 'client.assign' | 'clientSso.manage' | 'portalUser.list' | 'portalUser.manage' | 'outbox.read';
/** Every action in the app: accounts (below) and the workspace (workspace.ts). */
export type Action = AccountAction | WorkspaceAction | CommentAction | ChatAction | RemediationAction;

/**
 * What an action is about. `client`: a client record (staff-only, invisible to portal users);
 * `clientUsers`: the portal users of one client (visible to that client's own people).
 * No resource = a firm-wide collection (the client list, staff accounts, the outbox).
 */
export type Resource = { type: 'client'; clientId: string } | { type: 'clientUsers'; clientId: string } | ClientData;

type Principal = Pick<UserRow, 'id' | 'kind' | 'role' | 'client_id' | 'status'> & { scope?: ClientScope };
type Rule = (v: Principal, r: Resource | undefined) => boolean;

const isStaff = (v: Principal) => v.kind === 'staff';
const isAdmin = (v: Principal) => v.kind === 'staff' && v.role === 'admin';
/** A portal Manager acting on their own client's users (the client always comes from their session). */
const isOwnManager = (v: Principal, r: Resource | undefined) =>
  v.kind === 'portal' && v.role === 'manager' && r?.type === 'clientUsers' && v.client_id !== null && r.clientId === v.client_id;

const accountRules: Record<AccountAction, Rule> = {
  'staff.manage': (v) => isAdmin(v),
  'outbox.read': (v) => isAdmin(v),
  'client.read': (v) => isStaff(v),
  'client.manage': (v) => isStaff(v),
  // Who on the firm's side reaches a client: an analyst must not widen their own scope.
  'client.assign': (v) => isAdmin(v),
  // Who may decide which identity provider signs a client's people in: the firm's admins, or that client's own Manager.
  'clientSso.manage': (v, r) => isAdmin(v) || isOwnManager(v, r),
  'portalUser.list': (v, r) => isStaff(v) || isOwnManager(v, r),
  'portalUser.manage': (v, r) => isStaff(v) || isOwnManager(v, r),
};

/** One rule per action; an action missing here is denied. */
const rules: Record<Action, Rule> = { ...accountRules, ...workspaceRules, ...commentsRules, ...chatRules, ...remediationRules };

/** Whether the viewer may know the resource exists at all. */
function canSee(v: Principal, r: Resource): boolean {
  if (isStaff(v)) return reaches(v, r.clientId);
  if (r.type === 'clientData') return canSeeClientData(v, r);
  return r.type === 'clientUsers' && v.client_id === r.clientId;
}

/** Whether `viewer` may do `action` (on `resource`). Never throws; unknown actions are denied. */
export function can(viewer: Principal, action: Action, resource?: Resource): boolean {
  if (viewer.status !== 'active') return false;
  // A client outside a staff member's scope does not exist for them (policies/access.ts).
  if (resource && isStaff(viewer) && !reaches(viewer, resource.clientId)) return false;
  const rule = Object.hasOwn(rules, action) ? rules[action] : undefined;
  return rule ? rule(viewer, resource) : false;
}

/** Like `can`, but throws: 404 when the resource is not the viewer's to know about, else 403. */
export function authorize(viewer: Principal, action: Action, resource?: Resource): void {
  if (can(viewer, action, resource)) return;
  if (resource && !canSee(viewer, resource)) throw refusal(notFound());
  throw refusal(forbidden());
}
