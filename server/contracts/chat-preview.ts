import type { AuthorDTO, ChatMessageDTO } from './realtime.js';

/**
 * A channel's last message as the channel list shows it: who, one line of its text, when (the
 * list never carries whole messages: 300 channels of rendered HTML and attachments were ~180 KB).
 * The server builds it from the stored message, the browser from a live message event, with the
 * same function.
 */
export interface ChatMessagePreviewDTO {
  id: number;
  author: AuthorDTO;
  /** The text on one line, at most PREVIEW_CHARS; for a message of files only, "shared a.pdf, b.png"; empty when deleted. */
  text: string;
  deleted: boolean;
  createdAt: string;
}

export const PREVIEW_CHARS = 160;

/** One line of a message's text for the preview. */
export function previewText(body: string, deleted: boolean, attachmentNames: string[]): string {
  if (deleted) return '';
  const line = body.replace(/\s+/g, ' ').trim();
  const text = line || (attachmentNames.length ? `shared ${attachmentNames.join(', ')}` : '');
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/** The preview of a whole message (a live `message:created` / `message:updated` event). */
export function previewOf(m: ChatMessageDTO): ChatMessagePreviewDTO {
  return {
    id: m.id,
    author: m.author,
    text: previewText(
      m.body,
      m.deleted,
      m.attachments.map((a) => a.name),
    ),
    deleted: m.deleted,
    createdAt: m.createdAt,
  };
}
