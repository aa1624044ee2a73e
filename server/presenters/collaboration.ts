import type { Kysely } from 'kysely';
import type { AttachmentRow, ChatMessageRow, Database, NotificationRow } from '../../db/schema.js';
import type { AttachmentDTO, AuthorDTO, ChatMessageDTO, CommentDTO, CommentStaffDTO, NotificationDTO } from '../contracts/realtime.js';
import { renderMarkdown } from '../services/markdown.js';
import { renderCommentHtml } from '../services/mentions.js';
import { pick, type VisibilityProfile } from '../visibility/profile.js';
import { isInternal } from '../policies/access.js';
import type { CommentWithAuthor } from '../repositories/comments.js';
import { iso } from './iso.js';

export type { CommentWithAuthor };

/**
 * Comments, chat messages, attachments and notifications for one audience. Loaders fetch rows
 * with their author in one query per batch (the realtime feed presents many at once).
 */

type Db = Kysely<Database>;

export type MessageWithAuthor = ChatMessageRow & { author_name: string; author_kind: 'staff' | 'portal' };

/** Comments by id, with their authors. */
export async function loadComments(db: Db, ids: string[]): Promise<Map<string, CommentWithAuthor>> {
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('comments')
    .innerJoin('users', 'users.id', 'comments.author_id')
    .selectAll('comments')
    .select(['users.name as author_name', 'users.kind as author_kind'])
    .where('comments.id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** Chat messages by id, with their authors and attachments. */
export async function loadMessages(db: Db, ids: number[]): Promise<{ messages: Map<number, MessageWithAuthor>; attachments: Map<number, AttachmentRow[]> }> {
  if (!ids.length) return { messages: new Map(), attachments: new Map() };
  const rows = await db
    .selectFrom('chat_messages')
    .innerJoin('users', 'users.id', 'chat_messages.author_id')
    .selectAll('chat_messages')
    .select(['users.name as author_name', 'users.kind as author_kind'])
    .where('chat_messages.id', 'in', ids)
    .execute();
  const atts = await db.selectFrom('attachments').selectAll().where('message_id', 'in', ids).orderBy('created_at').execute();
  const attachments = new Map<number, AttachmentRow[]>();
  for (const a of atts) attachments.set(a.message_id!, [...(attachments.get(a.message_id!) ?? []), a]);
  return { messages: new Map(rows.map((r) => [r.id, r])), attachments };
}

const author = (id: string, name: string, kind: 'staff' | 'portal'): AuthorDTO => ({ id, name, kind });

export function presentComment(c: CommentWithAuthor, profile: VisibilityProfile & { audience: 'staff' }): CommentStaffDTO;
export function presentComment(c: CommentWithAuthor, profile: VisibilityProfile): CommentDTO;
export function presentComment(c: CommentWithAuthor, profile: VisibilityProfile): CommentDTO {
  const gone = c.deleted_at !== null;
  return pick<CommentStaffDTO>('comment', profile, {
    id: () => c.id,
    findingId: () => c.finding_id,
    author: () => author(c.author_id, c.author_name, c.author_kind),
    bodyHtml: () => (gone ? '' : renderCommentHtml(c.body)),
    body: () => (gone ? '' : c.body),
    clientMessageId: () => c.client_message_id,
    createdAt: () => iso(c.created_at),
    editedAt: () => iso(c.edited_at),
    deleted: () => gone,
    internal: () => isInternal(c),
    sharedAt: () => iso(c.shared_at),
  });
}

export function presentAttachment(a: AttachmentRow, profile: VisibilityProfile): AttachmentDTO {
  return pick<AttachmentDTO>('attachment', profile, {
    id: () => a.id,
    kind: () => a.kind,
    name: () => a.original_name,
    mime: () => a.mime,
    size: () => a.size,
    width: () => a.width,
    height: () => a.height,
    url: () => `/api/attachments/${a.id}`,
    thumbUrl: () => (a.thumb_file ? `/api/attachments/${a.id}/thumb` : null),
  });
}

export function presentMessage(m: MessageWithAuthor, attachments: AttachmentRow[], profile: VisibilityProfile): ChatMessageDTO {
  const gone = m.deleted_at !== null;
  return pick<ChatMessageDTO>('message', profile, {
    id: () => m.id,
    clientId: () => m.client_id,
    author: () => author(m.author_id, m.author_name, m.author_kind),
    bodyHtml: () => (gone ? '' : renderMarkdown(m.body)),
    body: () => (gone ? '' : m.body),
    clientMessageId: () => m.client_message_id,
    attachments: () => (gone ? [] : attachments.map((a) => presentAttachment(a, profile))),
    createdAt: () => iso(m.created_at),
    editedAt: () => iso(m.edited_at),
    deleted: () => gone,
  });
}

export function presentNotification(n: NotificationRow, profile: VisibilityProfile): NotificationDTO {
  return pick<NotificationDTO>('notification', profile, {
    id: () => n.id,
    kind: () => n.kind,
    text: () => n.text,
    link: () => n.link,
    createdAt: () => iso(n.created_at),
    read: () => n.read_at !== null,
  });
}
