import { call, type BodyOf } from './http';
import type { MessageKey } from '$contracts/message-keys';

type F = typeof fetch;

/** The firm's portal messages: the settings page (staff read, admins change and preview) and what the portal shows. */
export const getMessageSettings = (fetch?: F) => call('GET /firm/messages', { fetch }).then((r) => r.messages);
export const updateMessages = (body: BodyOf<'PUT /firm/messages'>) => call('PUT /firm/messages', { body }).then((r) => r.messages);
/** Render one text with the server's sanitiser (the same as the stored render): nothing is saved. */
export const previewMessage = (key: MessageKey, text: string) => call('POST /firm/messages/preview', { body: { key, text } }).then((r) => r.html);
export const getPortalMessages = (fetch?: F) => call('GET /messages', { fetch }).then((r) => r.messages);
