import { FINDING_STATUSES, type FindingStatus } from './constants.js';

/**
 * The firm's messages' keys and limits, with no zod (the browser imports them from here; the
 * request schemas are in messages.ts).
 */

/** A status's message key: `status.pending_verification`. */
type StatusMessageKey = `status.${FindingStatus}`;
export type MessageKey = 'welcome' | 'footer' | 'help' | StatusMessageKey;

/** Every message, in the order the settings page shows them. */
export const MESSAGE_KEYS: readonly MessageKey[] = ['welcome', ...FINDING_STATUSES.map((s): StatusMessageKey => `status.${s}`), 'footer', 'help'];

/** The longest text each message may hold, in characters (a longer one is refused with 422, nothing saved). */
export const MESSAGE_LIMITS: Record<MessageKey, number> = {
  welcome: 2000,
  footer: 500,
  help: 2000,
  ...(Object.fromEntries(FINDING_STATUSES.map((s) => [`status.${s}`, 600])) as Record<StatusMessageKey, number>),
};
