import type { AttachmentRow, NotificationRow } from '../../db/schema.js';
import type { AttachmentDTO, AuthorDTO, ChatMessageDTO, CommentDTO, CommentStaffDTO, NotificationDTO } from '../contracts/realtime.js';
import { renderMarkdown } from '../services/markdown.js';
import { renderCommentHtml } from '../services/mentions.js';
import { pick, type VisibilityProfile } from '../visibility/profile.js';
import { isInternal } from '../policies/access.js';
import type { CommentWithAuthor } from '../repositories/comments.js';
import type { MessageWithAuthor } from '../repositories/chat.js';
import { iso } from './iso.js';
import { parseAuthors } from '../contracts/notifications.js';
import { previewText, type ChatMessagePreviewDTO } from '../contracts/chat-preview.js';

export type { CommentWithAuthor, MessageWithAuthor };

/**
 * Comments, chat messages, attachments and notifications for one audience: pure functions of
 * loaded rows (the loaders are `repositories/comments.ts` `loadComments` and `repositories/chat.ts`
 * `loadMessages`).
 */

/** Who wrote it; a client user's organisation goes only where the table lets `author.org` go (staff). */
export const presentAuthor = (p: { id: string; name: string; kind: 'staff' | 'portal'; org: string | null }, profile: VisibilityProfile): AuthorDTO =>
  pick<AuthorDTO>('author', profile, {
    id: () => p.id,
    name: () => p.name,
    kind: () => p.kind,
    org: () => (p.kind === 'portal' && p.org ? p.org : undefined),
  });

export function presentComment(c: CommentWithAuthor, profile: VisibilityProfile & { audience: 'staff' }): CommentStaffDTO;
export function presentComment(c: CommentWithAuthor, profile: VisibilityProfile): CommentDTO;
export function presentComment(c: CommentWithAuthor, profile: VisibilityProfile): CommentDTO {
  const gone = c.deleted_at !== null;
  return pick<CommentStaffDTO>('comment', profile, {
    id: () => c.id,
    findingId: () => c.finding_id,
    author: () => presentAuthor({ id: c.author_id, name: c.author_name, kind: c.author_kind, org: c.author_org }, profile),
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
    author: () => presentAuthor({ id: m.author_id, name: m.author_name, kind: m.author_kind, org: m.author_org }, profile),
    bodyHtml: () => (gone ? '' : renderMarkdown(m.body)),
    body: () => (gone ? '' : m.body),
    clientMessageId: () => m.client_message_id,
    attachments: () => (gone ? [] : attachments.map((a) => presentAttachment(a, profile))),
    createdAt: () => iso(m.created_at),
    editedAt: () => iso(m.edited_at),
    deleted: () => gone,
  });
}

/** A channel's last message as the channel list shows it (no HTML, no attachments: one line of text). */
export function presentMessagePreview(m: MessageWithAuthor, attachmentNames: string[], profile: VisibilityProfile): ChatMessagePreviewDTO {
  const gone = m.deleted_at !== null;
  return pick<ChatMessagePreviewDTO>('messagePreview', profile, {
    id: () => m.id,
    author: () => presentAuthor({ id: m.author_id, name: m.author_name, kind: m.author_kind, org: m.author_org }, profile),
    text: () => previewText(m.body, gone, attachmentNames),
    deleted: () => gone,
    createdAt: () => iso(m.created_at),
  });
}

/** A notification for its person; `actorOrg` is the acting client user's organisation (see `actorOrgs`), staff-only. */
export function presentNotification(n: NotificationRow, profile: VisibilityProfile, actorOrg?: string | null): NotificationDTO {
  return pick<NotificationDTO>('notification', profile, {
    id: () => n.id,
    kind: () => n.kind,
    text: () => n.text,
    link: () => n.link,
    createdAt: () => iso(n.created_at),
    read: () => n.read_at !== null,
    count: () => n.count,
    authors: () => parseAuthors(n.authors),
    actorOrg: () => actorOrg ?? undefined,
  });
}
