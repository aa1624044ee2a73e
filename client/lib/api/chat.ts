import type { Ack, AttachmentDTO, ChatMessageDTO, PresenceTarget } from '$contracts/realtime';
import type { ChatHistoryDTO } from '$contracts/chat';
import { live } from '$lib/realtime/live.svelte';
import { call, upload } from './http';

type F = typeof fetch;

/** The channels the viewer may read (staff: every client's; portal: their own), newest activity first. */
export const listChannels = (fetch?: F) => call('GET /chat/channels', { fetch }).then((r) => r.channels);

/** One page of a channel's history (the newest page unless `before` is given), oldest first. */
export const chatHistory = (clientId: string, query: { before?: number; limit?: number } = {}, fetch?: F): Promise<ChatHistoryDTO> =>
  call('GET /chat/:clientId/messages', { params: { clientId }, query, fetch });

/**
 * Send a message over the live connection: queued while offline and retried with the same
 * clientMessageId (so never duplicated); resolves with the server's answer.
 */
export function sendChatMessage(payload: {
  clientId: string;
  body: string;
  clientMessageId: string;
  attachmentIds?: string[];
}): Promise<Ack<{ message: ChatMessageDTO }>> {
  return live.send('message:send', payload);
}

export const editChatMessage = (id: number, body: string) => call('PATCH /chat/messages/:id', { params: { id }, body: { body } }).then((r) => r.message);
export const deleteChatMessage = (id: number) => call('DELETE /chat/messages/:id', { params: { id } }).then((r) => r.message);

/** Move the viewer's read position forward. */
export const markChatRead = (clientId: string, lastReadId: number) => call('POST /chat/:clientId/read', { params: { clientId }, body: { lastReadId } });

/** Upload a file to share (pending until a message attaches it), with progress from 0 to 1. */
export const uploadChatFile = (clientId: string, file: File, onProgress?: (fraction: number) => void): Promise<AttachmentDTO> =>
  upload('POST /chat/:clientId/attachments', file, { params: { clientId }, query: { name: file.name } }, onProgress).then((r) => r.attachment);

const channel = (clientId: string): PresenceTarget => ({ kind: 'channel', id: clientId });

/** Join the channel's presence room (who is here, typing): answers who is present now. */
export const joinChannelPresence = (clientId: string) => live.request('presence:join', { target: channel(clientId) });
export const leaveChannelPresence = (clientId: string) => live.request('presence:leave', { target: channel(clientId) });
export const setTyping = (clientId: string, on: boolean) => live.request(on ? 'typing:start' : 'typing:stop', { target: channel(clientId) });
