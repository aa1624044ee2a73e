import { z } from 'zod';
import { MAX_BODY } from './constants.js';
import { MessageSendInput, type ChatMessageDTO } from './realtime.js';

/**
 * The chat channel's HTTP contract (shared with the browser). Sending over a socket uses
 * `MessageSendInput` from realtime.ts; the HTTP POST is the same input with the client in the URL.
 */

/** POST /api/chat/:clientId/messages. */
export const ChatPostInput = MessageSendInput.omit({ clientId: true }).strict();
export type ChatPostInput = z.infer<typeof ChatPostInput>;

/** PATCH /api/chat/messages/:id. */
export const ChatEditInput = z.object({ body: z.string().max(MAX_BODY, `at most ${MAX_BODY} characters`) }).strict();
export type ChatEditInput = z.infer<typeof ChatEditInput>;

/** POST /api/chat/:clientId/read: the newest message id the viewer has seen. */
export const ChatReadInput = z.object({ lastReadId: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict();
export type ChatReadInput = z.infer<typeof ChatReadInput>;

const positiveInt = (max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));

/** GET /api/chat/:clientId/messages?before=&limit= (query strings). */
export const ChatHistoryQuery = z.object({ before: positiveInt(Number.MAX_SAFE_INTEGER).optional(), limit: positiveInt(100).optional() }).strict();
export type ChatHistoryQuery = z.infer<typeof ChatHistoryQuery>;

/** POST /api/chat/:clientId/attachments?name=… (the file itself is the request body). */
export const AttachmentUploadQuery = z.object({ name: z.string().max(1000).optional() }).strict();

/** One client's channel as the channel list shows it. */
export interface ChatChannelDTO {
  clientId: string;
  clientName: string;
  archived: boolean;
  /** Whether the client's people can use the chat now: portal on, not archived, Chat module on (staff may still read and answer when not). */
  chatEnabled: boolean;
  lastMessage: ChatMessageDTO | null;
  lastActivityAt: string | null;
  /** Live messages by others after the read position, counted up to 100 (shown as "99+"). */
  unread: number;
  lastReadId: number;
}

/** A page of history, oldest first, with the viewer's read position and what they may do. */
export interface ChatHistoryDTO {
  clientId: string;
  clientName: string;
  messages: ChatMessageDTO[];
  /** More (older) messages exist before the first one here. */
  hasMore: boolean;
  lastReadId: number;
  canWrite: boolean;
  archived: boolean;
}
