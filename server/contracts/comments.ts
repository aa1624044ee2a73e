import { z } from 'zod';
import { pageQuery } from './api.js';
import { MAX_BODY, MENTION_PATTERN, mentionToken } from './constants.js';
import { clientMessageId, type CommentDTO } from './realtime.js';

/**
 * Comments on findings, shared with the browser: request schemas, the mention token and the
 * answers of the comment routes. Comment payloads themselves are `CommentDTO` (realtime.ts).
 */

const body = z.string().trim().min(1, 'Write something first.').max(MAX_BODY, `at most ${MAX_BODY} characters`);

/** POST /api/findings/:id/comments. `internal` (staff only): a note the client never sees until shared. */
export const CommentInput = z.object({ body, clientMessageId, internal: z.boolean().optional() }).strict();
export type CommentInput = z.infer<typeof CommentInput>;

/** Socket `comment:create`: the same as POST, naming the finding (the browser's outbox sends these). */
export const CommentCreateEvent = z.object({ findingId: z.string().min(1).max(64), body, clientMessageId, internal: z.boolean().optional() }).strict();
export type CommentCreateEvent = z.infer<typeof CommentCreateEvent>;

/** PATCH /api/comments/:id (the author only). */
export const CommentPatch = z.object({ body }).strict();
export type CommentPatch = z.infer<typeof CommentPatch>;

/** GET /api/findings/:id/mentionable?internal=true|false */
/**
 * GET /api/findings/:id/comments?after=&limit=: the newest 100 comments unless asked (at most 200),
 * oldest first; `next` is the cursor of the page of earlier ones.
 */
export const COMMENT_PAGE_DEFAULT = 100;
export const CommentPageQuery = pageQuery(200);

export const MentionableQuery = z.object({ internal: z.enum(['true', 'false']).optional() }).strict();

/** Someone who may be @mentioned on a finding (they can see it). */
export interface MentionCandidateDTO {
  id: string;
  name: string;
  kind: 'staff' | 'portal';
}

export type CommentAnswer = { comment: CommentDTO; created?: boolean };

export { MENTION_PATTERN, mentionToken };

/** The ids mentioned in a stored text, once each, in order of first appearance. */
export function mentionedIds(text: string): string[] {
  return [...new Set([...text.matchAll(MENTION_PATTERN)].map((m) => m[2]!))];
}
