import type { Db } from '../db/client.js';
import { FINDING_STATUSES, type FindingStatus } from './contracts/constants.js';
import { MESSAGE_KEYS, MESSAGE_LIMITS, type MessageKey } from './contracts/message-keys.js';
import type { MessagesInput, MessageSettingsDTO, PortalMessagesDTO } from './contracts/messages.js';
import { AppError } from './errors.js';
import { findFirm } from './repositories/firm.js';
import { storedMessages } from './repositories/firm-messages.js';
import { renderMarkdown } from './services/markdown.js';

/**
 * The firm's own words (issue 15, points 8 and 9): welcome, an explanation per finding status,
 * footer and help/contact text, each Markdown rendered by the one sanitiser
 * (services/markdown.ts: http/https/mailto links, no HTML). THE home of the messages' rules: the
 * defaults, the limits check, and what each audience gets. A message the firm never wrote (no
 * stored row) shows its default, written for a newcomer, with the firm's name and support
 * contact filled in as they are now.
 */
export interface PublicMessages {
  /** Sanitised HTML of the footer text ('' = none). */
  footerHtml: string;
  /** The footer's Markdown source, for the text part of e-mails ('' = none). */
  footerText: string;
  /** Sanitised HTML of the help/contact text. */
  helpHtml: string;
}

/** What the defaults are written from: the firm's name and its client-portal support contact. */
interface FirmWords {
  name: string;
  supportEmail: string | null;
  supportPhone: string | null;
}

/** The footer and help text signed-out pages and e-mails show (the public brand endpoint's part). */
export async function publicMessages(db: Db): Promise<PublicMessages> {
  const texts = await currentTexts(db);
  return { footerHtml: renderMarkdown(texts.footer), footerText: texts.footer.trim(), helpHtml: renderMarkdown(texts.help) };
}

/** The firm's client-portal support contact as it is now (the sign-in page names it when it says why someone was signed out). */
export async function supportContact(db: Db): Promise<{ supportEmail: string | null; supportPhone: string | null }> {
  const { supportEmail, supportPhone } = await firmWords(db);
  return { supportEmail, supportPhone };
}

/** What a signed-in portal page shows: every message, rendered and sanitised. */
export async function portalMessages(db: Db): Promise<PortalMessagesDTO> {
  const texts = await currentTexts(db);
  return {
    welcomeHtml: renderMarkdown(texts.welcome),
    footerHtml: renderMarkdown(texts.footer),
    helpHtml: renderMarkdown(texts.help),
    statusHtml: Object.fromEntries(FINDING_STATUSES.map((s) => [s, renderMarkdown(texts[`status.${s}`])])) as Record<FindingStatus, string>,
  };
}

/** The settings page's view: each message's stored text (null = default), its default and its limit. */
export async function messageSettings(db: Db): Promise<MessageSettingsDTO> {
  const [firm, stored] = await Promise.all([firmWords(db), storedMessages(db)]);
  const defaults = messageDefaults(firm);
  return Object.fromEntries(
    MESSAGE_KEYS.map((k) => [k, { text: stored.get(k) ?? null, defaultText: defaults[k], limit: MESSAGE_LIMITS[k] }]),
  ) as MessageSettingsDTO;
}

/** One message's text as the portal would show it (the preview uses the stored render's sanitiser, never another). */
export function renderMessage(text: string): string {
  return renderMarkdown(text);
}

/**
 * The changes as they will be stored: line ends made `\n`, outer blank space trimmed, null kept
 * (back to the default). A text over its message's limit is refused with 422 naming each such
 * message and its length; nothing is saved.
 */
export function normaliseMessages(input: MessagesInput): Map<MessageKey, string | null> {
  const out = new Map<MessageKey, string | null>();
  const tooLong: { path: string; message: string }[] = [];
  for (const key of MESSAGE_KEYS) {
    if (!Object.hasOwn(input, key)) continue;
    const raw = input[key];
    if (raw === null || raw === undefined) {
      out.set(key, null);
      continue;
    }
    const text = raw.replace(/\r\n?/g, '\n').trim();
    if (text.length > MESSAGE_LIMITS[key]) tooLong.push({ path: key, message: `at most ${MESSAGE_LIMITS[key]} characters (this one has ${text.length})` });
    out.set(key, text);
  }
  if (tooLong.length) throw new AppError(422, 'validation_failed', `${tooLong.map((t) => `${t.path}: ${t.message}`).join('; ')}. Nothing was saved.`, tooLong);
  return out;
}

/** The text shown for every message now: the stored one, else the default. */
async function currentTexts(db: Db): Promise<Record<MessageKey, string>> {
  const [firm, stored] = await Promise.all([firmWords(db), storedMessages(db)]);
  const defaults = messageDefaults(firm);
  return Object.fromEntries(MESSAGE_KEYS.map((k) => [k, stored.get(k) ?? defaults[k]])) as Record<MessageKey, string>;
}

async function firmWords(db: Db): Promise<FirmWords> {
  const f = await findFirm(db);
  return { name: f?.name ?? 'Your security provider', supportEmail: f?.support_email ?? null, supportPhone: f?.support_phone ?? null };
}

/** Characters that would change the meaning of Markdown around a value put into a default. */
const md = (s: string) => s.replace(/[\\`*_[\]<>~]/g, '\\$&');

/**
 * The defaults, written for a client's contact who is not a security expert: what the portal is
 * for, what each status means for them and what happens next, and how to reach the firm.
 */
function messageDefaults(firm: FirmWords): Record<MessageKey, string> {
  const name = md(firm.name);
  const contact = [
    firm.supportEmail ? `- Email: [${md(firm.supportEmail)}](mailto:${firm.supportEmail})` : '',
    firm.supportPhone ? `- Phone: ${md(firm.supportPhone)}` : '',
  ].filter(Boolean);
  const reach = contact.length ? `You can reach us here:\n\n${contact.join('\n')}` : `Contact the person at ${name} who runs your engagement.`;
  return {
    welcome:
      `Welcome to your security portal from ${name}.\n\n` +
      'Here you follow the results of the security testing we do for your organisation: each **finding** is a weakness we found, ' +
      'with how serious it is and how to fix it. Tell us here when you have fixed something, and we will check it. ' +
      'Your **reports** are here to download too.\n\n' +
      'Every status has a short explanation beside it, and **Help** (at the top of the menu) tells you how to reach us.',
    'status.open':
      'We found this weakness and it has not been fixed yet. Read the description and the remediation guidance, plan a fix with ' +
      'the people who look after the affected system, and tell us on this page when it is done.',
    'status.pending_verification':
      'You told us this is fixed, and it is **waiting for us to check**. Nothing more is needed from you for now: one of our ' +
      'testers will test it again and record the result here (verified fixed, partially fixed or not fixed). You will get a notification when they do.',
    'status.verified_fixed': 'We tested your fix and it works: this weakness is gone. Nothing more to do; keep the fix in place when the system changes.',
    'status.not_fixed':
      'We tested this again and the weakness **is still there**. The latest note on this finding says what we saw. Please fix it ' +
      'again and tell us on this page when it is done, so we can check once more.',
    'status.partially_fixed':
      'Your fix helped, but **part of the problem remains** (for example on some systems, or in some cases). The latest note says ' +
      'what is left. Please finish the fix and tell us on this page when it is done.',
    'status.risk_accepted':
      'Your organisation decided to accept this risk rather than fix it now, and we recorded that decision. The finding stays ' +
      'on record: review the decision from time to time, and tell us if you change your mind.',
    'status.closed': 'This finding is closed: nothing more is expected from you or from us. It stays here for your records.',
    footer: `Shared with you by ${name}. This portal holds confidential security information: please keep it within your organisation.`,
    help:
      `**Need help?** ${name} is here for any question about this portal: a finding you don't understand, a fix you want to ` +
      `talk through, or trouble signing in.\n\n${reach}\n\n` +
      'About one finding? Comment on the finding itself, so the tester who knows it sees your question. ' +
      'Forgot your password? Use "Forgot your password?" on the sign-in page.',
  };
}
