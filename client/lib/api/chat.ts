import type { Ack, AttachmentDTO, ChatMessageDTO, PresenceTarget } from '$contracts/realtime';
import type { ChatChannelDTO, ChatHistoryDTO } from '$contracts/chat';
import { live } from '$lib/realtime/live.svelte';
import { api } from './http';
import { uploadFile } from './evidence';

type F = typeof fetch;
const chat = (clientId: string) => `/chat/${encodeURIComponent(clientId)}`;

/** The channels the viewer may read (staff: every client's; portal: their own), newest activity first. */
export const listChannels = (f?: F) => api<{ channels: ChatChannelDTO[] }>('GET', '/chat/channels', undefined, f).then((r) => r.channels);

/** One page of a channel's history (the newest page unless `before` is given), oldest first. */
export function chatHistory(clientId: string, opts: { before?: number; limit?: number } = {}, f?: F): Promise<ChatHistoryDTO> {
  const q = new URLSearchParams();
  if (opts.before) q.set('before', String(opts.before));
  if (opts.limit) q.set('limit', String(opts.limit));
  const qs = q.size ? `?${q}` : '';
  return api<ChatHistoryDTO>('GET', `${chat(clientId)}/messages${qs}`, undefined, f);
}

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

export const editChatMessage = (id: number, body: string) => api<{ message: ChatMessageDTO }>('PATCH', `/chat/messages/${id}`, { body }).then((r) => r.message);
export const deleteChatMessage = (id: number) => api<{ message: ChatMessageDTO }>('DELETE', `/chat/messages/${id}`).then((r) => r.message);

/** Move the viewer's read position forward. */
export const markChatRead = (clientId: string, lastReadId: number) =>
  api<{ lastReadId: number; unread: number }>('POST', `${chat(clientId)}/read`, { lastReadId });

/** Upload a file to share (pending until a message attaches it), with progress from 0 to 1. */
export function uploadChatFile(clientId: string, file: File, onProgress?: (fraction: number) => void): Promise<AttachmentDTO> {
  const q = new URLSearchParams({ name: file.name });
  return uploadFile<{ attachment: AttachmentDTO }>(`${chat(clientId)}/attachments?${q}`, file, onProgress).then((r) => r.attachment);
}

const channel = (clientId: string): PresenceTarget => ({ kind: 'channel', id: clientId });

/** Join the channel's presence room (who is here, typing): answers who is present now. */
export const joinChannelPresence = (clientId: string) => live.request('presence:join', { target: channel(clientId) });
export const leaveChannelPresence = (clientId: string) => live.request('presence:leave', { target: channel(clientId) });
export const setTyping = (clientId: string, on: boolean) => live.request(on ? 'typing:start' : 'typing:stop', { target: channel(clientId) });
