import type { AppDeps } from '../../context.js';
import type { MentionCandidateDTO } from '../../contracts/comments.js';
import { forbidden } from '../../errors.js';
import { mentionCandidates } from '../../services/mentions.js';
import type { CommandContext } from '../../context.js';
import { findingForComments } from './access.js';

/**
 * Who the viewer may @mention on a finding: the people who can see it (staff, and the client's
 * active users while the finding is visible to them), staff only for an internal note. Only
 * someone who may write there asks (portal users never write internal notes: 403).
 */
export async function listMentionable(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, findingId: string, internal: boolean): Promise<MentionCandidateDTO[]> {
  const { finding } = await findingForComments(deps, ctx, findingId, 'comment.write');
  if (internal && ctx.viewer.user.kind !== 'staff') throw forbidden('Only the firm’s staff can write internal notes.');
  return mentionCandidates(deps.db, finding, internal, ctx.viewer.user.id);
}
