import { z } from 'zod';
import type { FindingStatus } from './constants.js';
import { MESSAGE_KEYS, type MessageKey } from './message-keys.js';

/**
 * The firm's own words on the client portal (issue 15, points 8 and 9): a welcome on the overview,
 * an explanation beside each finding status, a footer on every page and the help/contact text of
 * the Help panel. Each is Markdown rendered by the server's one sanitiser; a key with no stored
 * text shows its default, written for a newcomer.
 */

/** Input bigger than this is not read at all (400); up to it, the per-message limits answer 422 naming the field. */
const HARD_CAP = 20_000;
const text = z.string({ error: 'text, or null for the default' }).max(HARD_CAP, `at most ${HARD_CAP} characters`).nullable();

/**
 * PUT /api/firm/messages: the messages to change, each a Markdown text ('' = show nothing) or null
 * (= back to the default). Keys not sent stay as they are; an unknown key is refused.
 */
export const MessagesInput = z.partialRecord(z.enum(MESSAGE_KEYS as [MessageKey, ...MessageKey[]]), text).superRefine((v, ctx) => {
  if (typeof v !== 'object' || v === null || Object.keys(v).length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one message to change' });
});
export type MessagesInput = z.output<typeof MessagesInput>;

/** POST /api/firm/messages/preview: render one message's text as the portal will show it (nothing saved). */
export const MessagePreviewInput = z
  .object({ key: z.enum(MESSAGE_KEYS as [MessageKey, ...MessageKey[]]), text: z.string().max(HARD_CAP, `at most ${HARD_CAP} characters`) })
  .strict();
export type MessagePreviewInput = z.output<typeof MessagePreviewInput>;

/** One message as the settings page edits it. */
interface MessageSettingDTO {
  /** The firm's stored text; null = the default is shown. */
  text: string | null;
  /** The default text (Markdown), with the firm's name and support contact filled in. */
  defaultText: string;
  limit: number;
}

/** GET/PUT /api/firm/messages. */
export type MessageSettingsDTO = Record<MessageKey, MessageSettingDTO>;

/** GET /api/messages: what the portal shows, each rendered and sanitised ('' = nothing). */
export interface PortalMessagesDTO {
  welcomeHtml: string;
  footerHtml: string;
  helpHtml: string;
  statusHtml: Record<FindingStatus, string>;
}
