import type { AppDeps } from '../../context.js';
import type { CommentRow } from '../../../db/schema.js';
import { notFound } from '../../errors.js';
import { authorize, type Action } from '../../policies/index.js';
import { requireSees } from '../../policies/access.js';
import { findComment, findFindingForComments, type FindingForComments } from '../../repositories/comments.js';
import { portalProfile, STAFF_PROFILE, type VisibilityProfile } from '../../visibility/profile.js';
import type { CommandContext } from '../../context.js';

/**
 * Who may reach a finding's comments: whoever may see the finding (`policies/access.ts`: for a
 * portal user a published finding of their own client with the Findings module on; 403
 * module_disabled or 404, exactly like a made-up id). Then the action's rule decides (a Viewer
 * writing: 403).
 */

export type CommentPlace = { finding: FindingForComments; profile: VisibilityProfile };

/** The finding, if the viewer may know it, authorised for `action`. */
export async function findingForComments(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, findingId: string, action: Action): Promise<CommentPlace> {
  return placeFor(deps, ctx, findingId, action);
}

/**
 * One comment the viewer may see (a portal user never learns an internal note exists: 404, before
 * any role check), with its finding, authorised for `action`.
 */
export async function commentFor(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  commentId: string,
  action: Action,
): Promise<CommentPlace & { comment: CommentRow }> {
  const comment = await findComment(deps.db, commentId);
  if (!comment) throw notFound();
  return { ...(await placeFor(deps, ctx, comment.finding_id, action, comment.internal)), comment };
}

/** The finding (and, with `internal`, a comment on it) judged by `policies/access.ts`, then the action's rule. */
async function placeFor(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, findingId: string, action: Action, internal?: number): Promise<CommentPlace> {
  const user = ctx.viewer.user;
  const finding = requireSees(user, 'finding', await findFindingForComments(deps.db, findingId));
  if (internal !== undefined) requireSees(user, 'comment', { ...finding, internal });
  authorize(user, action, { type: 'clientData', clientId: finding.client_id });
  return { finding, profile: user.kind === 'staff' ? STAFF_PROFILE : portalProfile({ id: finding.client_id, visible_fields: finding.visible_fields }) };
}
