import type { AppDeps } from '../context.js';
import type { CommentRow } from '../../db/schema.js';
import { notFound } from '../errors.js';
import { requireModule } from '../modules.js';
import { authorize, type Action } from '../policies/index.js';
import { findComment, findFindingForComments, type FindingForComments } from '../repositories/comments.js';
import { portalProfile, STAFF_PROFILE, type VisibilityProfile } from '../visibility/profile.js';
import type { CommandContext } from './context.js';

/**
 * Who may reach a finding's comments. Staff: any finding (drafts included). A portal user: only
 * a published finding of their own client (the client is the session's), with the Findings
 * module on (403 module_disabled otherwise); anything else is 404, exactly like a made-up id.
 * Then the action's rule decides (a Viewer writing: 403).
 */

export type CommentPlace = { finding: FindingForComments; profile: VisibilityProfile };

/** The finding, if the viewer may know it, authorised for `action`. */
export async function findingForComments(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, findingId: string, action: Action): Promise<CommentPlace> {
  const user = ctx.viewer.user;
  const finding = await findFindingForComments(deps.db, findingId);
  if (!finding) throw notFound();
  if (user.kind === 'portal') {
    if (finding.client_id !== user.client_id || finding.published !== 1) throw notFound();
    requireModule('portal', finding, 'findings');
  }
  authorize(user, action, { type: 'clientData', clientId: finding.client_id });
  return { finding, profile: user.kind === 'staff' ? STAFF_PROFILE : portalProfile({ id: finding.client_id, visible_fields: finding.visible_fields }) };
}

/**
 * One comment the viewer may see (a portal user never learns an internal note exists: 404),
 * with its finding, authorised for `action`.
 */
export async function commentFor(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, commentId: string, action: Action): Promise<CommentPlace & { comment: CommentRow }> {
  const comment = await findComment(deps.db, commentId);
  if (!comment || (ctx.viewer.user.kind === 'portal' && comment.internal === 1)) throw notFound();
  const place = await findingForComments(deps, ctx, comment.finding_id, action);
  return { ...place, comment };
}
