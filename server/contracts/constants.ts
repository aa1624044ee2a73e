/**
 * The contracts' plain values (enums, limits, the mention token), with no zod: the browser
 * imports them from here, so its bundle carries no schema library. The modules that build the
 * request schemas from these values re-export the ones the server and the tests read there.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const PROJECT_STATUSES = ['planned', 'active', 'completed', 'archived'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
export const FINDING_STATUSES = ['open', 'pending_verification', 'verified_fixed', 'not_fixed', 'partially_fixed', 'risk_accepted', 'closed'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** The columns a project's findings table sorts by (ties: most severe first, then title A→Z). */
export const FINDING_SORTS = ['severity', 'title', 'status'] as const;
export type FindingSort = (typeof FINDING_SORTS)[number];
/** The direction a column sorts in first: most severe first; titles A→Z; statuses in workflow order. */
export const FINDING_SORT_FIRST_DIR: Record<FindingSort, 'asc' | 'desc'> = { severity: 'desc', title: 'asc', status: 'asc' };

/** The largest chat message or comment body, in characters. */
export const MAX_BODY = 10_000;

/**
 * A mention as stored in a comment: `@[Display Name](user-id)`. The composer inserts it from
 * the autocomplete; the server finds mentions only in the stored text with MENTION_PATTERN and
 * re-checks each named user's access (a typed token grants nothing).
 */
export const MENTION_PATTERN = /@\[([^\]\n]{1,120})\]\(([A-Za-z0-9_-]{1,64})\)/g;

/** The stored token for one person (brackets in a name are dropped so the token stays one token). */
export function mentionToken(p: { id: string; name: string }): string {
  return `@[${p.name.replace(/[[\]()\n]/g, '').trim() || 'someone'}](${p.id})`;
}

/**
 * Whether a status change needs a note: into Pending verification (what was fixed) and a verdict
 * other than Verified fixed (what is still wrong). The server refuses the move without one.
 */
export function statusNoteRequired(from: FindingStatus, to: FindingStatus): boolean {
  return to === 'pending_verification' || (from === 'pending_verification' && to !== 'verified_fixed');
}

/** The types a chat file may be (judged from its bytes), for the composer's file picker and its help text. */
export const CHAT_FILE_ACCEPT =
  '.png,.jpg,.jpeg,.webp,.gif,.pdf,.txt,.csv,.log,.zip,image/png,image/jpeg,image/webp,image/gif,application/pdf,text/plain,text/csv,application/zip';
export const CHAT_FILE_TYPES_LABEL = 'images (PNG, JPEG, WebP, GIF), PDF, text (TXT, CSV, LOG) and ZIP';

/** The longest report title. */
export const REPORT_TITLE_MAX = 200;
/** The most redaction rectangles one evidence image may carry. */
export const MAX_REDACTIONS = 100;
/** The longest evidence caption. */
export const CAPTION_MAX = 500;

/**
 * The header of a signed-in API read that says where the live feed stood when the read began:
 * every event at or below it is in the answer (the page's live connection joins the feed there).
 */
export const FEED_POSITION_HEADER = 'x-feed-position';

/**
 * The password rules the server enforces (server/auth/password.ts reads these very values), and
 * the hint every password field shows, built from them so the two cannot drift apart. Length is
 * counted in characters (code points); nothing is truncated; there are no composition rules.
 */
export const PASSWORD_MIN = 8;
/** Long enough for any passphrase; bounded so a megabyte "password" can't burn the CPU. */
export const PASSWORD_MAX = 256;
/** How many of the most common passwords are refused (the size of zxcvbn-ts's list, rounded down). */
export const PASSWORD_COMMON_LIST = '49,000';
/** The hint under the setup, reset and change-password fields: exactly the rules checked. */
export const PASSWORD_HINT = `Use ${PASSWORD_MIN} to ${PASSWORD_MAX} characters; spaces and symbols count. It can't be one of the ${PASSWORD_COMMON_LIST} most common passwords. There are no other rules: a long passphrase is best.`;
/**
 * An invited person's hint: one more rule, the words of their own context (server/auth/invitations.ts:
 * the e-mail's local part, their organisation's name, the firm's name), naming the firm as they know it.
 */
export const passwordHintInvited = (firmName: string) =>
  `Use ${PASSWORD_MIN} to ${PASSWORD_MAX} characters; spaces and symbols count. It can't be one of the ${PASSWORD_COMMON_LIST} most common passwords, or contain your e-mail name, your organisation's name or ${firmName}. A long passphrase is best.`;
