import { call } from './http';

/** Comments on findings (writes normally go through `live.send('comment:create')`; these are the HTTP routes). */

type F = typeof fetch;

/**
 * A finding's thread as the viewer may see it (staff: with internal notes): the newest comments
 * (oldest first), or those before `after` (the `next` of a page); `next` is the cursor of the earlier ones.
 */
export const listComments = (findingId: string, after: string | null = null, fetch?: F) =>
  call('GET /findings/:id/comments', { params: { id: findingId }, query: { after }, fetch });

/** The first page of a finding's thread, as a page's load starts it for FindingComments. */
export type CommentPage = Awaited<ReturnType<typeof listComments>>;

/** Edit your own comment. */
export const editComment = (id: string, body: string) => call('PATCH /comments/:id', { params: { id }, body: { body } }).then((r) => r.comment);

/** Delete your own comment (a tombstone stays). */
export const deleteComment = (id: string) => call('DELETE /comments/:id', { params: { id } });

/** Staff: make an internal note visible to the client. */
export const shareComment = (id: string) => call('POST /comments/:id/share', { params: { id } }).then((r) => r.comment);

/** The people who may be mentioned on this finding (staff only for an internal note). */
export const mentionable = (findingId: string, internal: boolean) =>
  call('GET /findings/:id/mentionable', { params: { id: findingId }, query: { internal } }).then((r) => r.people);
