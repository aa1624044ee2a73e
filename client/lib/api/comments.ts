import type { CommentDTO } from '$contracts/realtime';
import type { CommentAnswer, CommentListDTO, MentionCandidateDTO, MentionableDTO } from '$contracts/comments';
import { api } from './http';

/** Comments on findings (writes normally go through `live.send('comment:create')`; these are the HTTP routes). */

const finding = (id: string) => `/findings/${encodeURIComponent(id)}`;
const comment = (id: string) => `/comments/${encodeURIComponent(id)}`;

/** A finding's thread as the viewer may see it (staff: with internal notes). */
export async function listComments(findingId: string): Promise<CommentDTO[]> {
  return (await api<CommentListDTO>('GET', `${finding(findingId)}/comments`)).comments;
}

/** Edit your own comment. */
export async function editComment(id: string, body: string): Promise<CommentDTO> {
  return (await api<CommentAnswer>('PATCH', comment(id), { body })).comment;
}

/** Delete your own comment (a tombstone stays). */
export async function deleteComment(id: string): Promise<void> {
  await api<void>('DELETE', comment(id));
}

/** Staff: make an internal note visible to the client. */
export async function shareComment(id: string): Promise<CommentDTO> {
  return (await api<CommentAnswer>('POST', `${comment(id)}/share`, {})).comment;
}

/** The people who may be mentioned on this finding (staff only for an internal note). */
export async function mentionable(findingId: string, internal: boolean): Promise<MentionCandidateDTO[]> {
  return (await api<MentionableDTO>('GET', `${finding(findingId)}/mentionable?internal=${internal}`)).people;
}
