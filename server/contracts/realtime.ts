import { z } from 'zod';
import { MAX_BODY } from './constants.js';
import type { ErrorCode } from './errors.js';

/**
 * The socket protocol, shared with the browser. Server→client events are `resource:pastTense`,
 * client→server events `resource:verb`; every client→server event carries an ack callback and
 * its payload is validated by the schema below (unknown keys refused).
 */

/** Every type of client event log entry (each is also the Socket.IO event name it is pushed as). */
export const FEED_EVENT_TYPES = [
  'comment:created',
  'comment:updated',
  'comment:deleted',
  'message:created',
  'message:updated',
  'message:deleted',
  'finding:published',
  'finding:unpublished',
  'finding:updated',
  'report:published',
  'report:unpublished',
  'project:updated',
  'remediation:updated',
] as const;
export type FeedEventType = (typeof FEED_EVENT_TYPES)[number];

/** An ack: `{ ok: true, ...result }` or `{ ok: false, error }` with the same codes as the HTTP API. */
export type Ack<T = Record<string, never>> = ({ ok: true } & T) | { ok: false; error: { code: ErrorCode; message: string; details?: unknown } };

/** `feed:subscribe`: join the viewer's client feed(s); `since` = last position seen (null on a fresh page). */
export const FeedSubscribeInput = z.object({ since: z.number().int().min(0).nullable() }).strict();
export type FeedSubscribeInput = z.infer<typeof FeedSubscribeInput>;
/** `feed:catchup`: the next part of a catch-up, after `after` up to `until` (the subscribe answer's `next` and `position`). */
export const FeedCatchupInput = z
  .object({ after: z.number().int().min(0), until: z.number().int().min(0) })
  .strict()
  .refine((v) => v.after < v.until, { message: 'after must be below until', path: ['after'] });
export type FeedCatchupInput = z.infer<typeof FeedCatchupInput>;

/** A narrower room for presence and typing: one finding's page or one client's chat channel. */
export const PresenceTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('finding'), id: z.string().min(1).max(64) }).strict(),
  z.object({ kind: z.literal('channel'), id: z.string().min(1).max(64) }).strict(),
]);
export type PresenceTarget = z.infer<typeof PresenceTarget>;
export const PresenceJoinInput = z.object({ target: PresenceTarget }).strict();
/** `presence:visibility`: whether the page's tab is visible now (document.visibilityState). */
export const PresenceVisibilityInput = z.object({ visible: z.boolean({ error: 'must be true or false' }) }).strict();
export type PresenceVisibilityInput = z.infer<typeof PresenceVisibilityInput>;
export interface PresenceMember {
  id: string;
  name: string;
  kind: 'staff' | 'portal';
}
export type PresenceJoinResult = { present: PresenceMember[] };
/** Pushed to a presence room as people come and go: `presence:changed`. */
export interface PresenceChanged {
  target: PresenceTarget;
  present: PresenceMember[];
}
/** Pushed to a presence room: `typing:changed`. */
export interface TypingChanged {
  target: PresenceTarget;
  user: PresenceMember;
  typing: boolean;
}

/** `typing:start` / `typing:stop`. */
export const TypingInput = z.object({ target: PresenceTarget }).strict();

export { MAX_BODY };
/** A browser-chosen id that makes a send idempotent: a retry with the same id never duplicates. */
export const clientMessageId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8–64 letters, digits, - or _');

/** `message:send` (and POST /api/chat/:clientId/messages). Staff name the client; portal users' is their own. */
export const MessageSendInput = z
  .object({
    clientId: z.string().min(1).max(64).optional(),
    body: z.string().max(MAX_BODY, `at most ${MAX_BODY} characters`),
    clientMessageId,
    attachmentIds: z.array(z.string().min(1).max(64)).max(10).optional(),
  })
  .strict();
export type MessageSendInput = z.infer<typeof MessageSendInput>;

export interface AttachmentDTO {
  id: string;
  kind: 'image' | 'file';
  name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  url: string;
  thumbUrl: string | null;
}

export interface AuthorDTO {
  id: string;
  name: string;
  kind: 'staff' | 'portal';
  /**
   * The client organisation of a client user, for the badge beside their name: on staff payloads
   * only (the visibility table's `author.org` is staff-only), and absent for the firm's staff.
   */
  org?: string;
}

export interface ChatMessageDTO {
  id: number;
  clientId: string;
  author: AuthorDTO;
  /** Sanitised HTML rendered from the stored markdown-lite text. */
  bodyHtml: string;
  /** The stored text, for the author's edit box. */
  body: string;
  clientMessageId: string;
  attachments: AttachmentDTO[];
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
}

export interface CommentPortalDTO {
  id: string;
  findingId: string;
  author: AuthorDTO;
  bodyHtml: string;
  body: string;
  clientMessageId: string;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
}
export interface CommentStaffDTO extends CommentPortalDTO {
  /** True for an internal note not shared with the client. */
  internal: boolean;
  sharedAt: string | null;
}
/** Either audience's comment (the portal's has no `internal` or `sharedAt` at all). */
export type CommentDTO = CommentStaffDTO | (CommentPortalDTO & { internal?: never; sharedAt?: never });

export interface NotificationDTO {
  id: number;
  kind: 'mention' | 'reply' | 'chat' | 'finding_published' | 'report_published' | 'remediation' | 'retest' | 'invitation_held';
  text: string;
  link: string;
  createdAt: string;
  read: boolean;
  /** How many events this item stands for (replies or messages while it was unread). */
  count: number;
  /** The latest authors' names, newest first (at most three). */
  authors: string[];
  /** Staff only: the organisation of the client user whose action this is (the badge beside the text). */
  actorOrg?: string;
}

/**
 * Pushed to the user's own room: `notification:created`, with the new unread counts. A coalesced
 * item comes again with the same id (count, authors, text and time updated).
 */
export interface NotificationPushed {
  notification: NotificationDTO;
  unread: number;
  /** Unread chat notifications: the Chat menu item's badge. */
  unreadChat: number;
}

/** Pushed to the user's own room when notifications were read (another tab, or the chat read): `notifications:counted`. */
export interface NotificationCountsPushed {
  unread: number;
  unreadChat: number;
}

/** What finding/report/project feed events carry: enough to update a list row; pages reload details over HTTP. */
export interface FindingSummaryDTO {
  id: string;
  projectId: string;
  title: string;
  severity: string;
  status: string;
  published?: boolean;
}
export interface ReportSummaryDTO {
  id: string;
  projectId: string;
  title: string;
  version: number;
}
export interface ProjectSummaryDTO {
  id: string;
  name: string;
  status: string;
}

/** `page:view`: the page the SPA shows now, by route id and its parameters (values as in the URL). */
export const PageViewInput = z
  .object({
    route: z.string().min(1).max(200),
    params: z.record(z.string().max(40), z.string().min(1).max(64)),
  })
  .strict();
export type PageViewInput = z.infer<typeof PageViewInput>;
