import type { NotificationKind } from '../../../db/schema.js';
import type { NotifyKey, NotifyPrefs } from '../../contracts/profile.js';
import type { Mail } from '../../services/mailer.js';
import { oneLine } from '../../commands/notifications/recipients.js';

/** Which mail preference governs each kind of notification (null: an account matter, always mailed when away). */
const PREF_OF_KIND: Record<NotificationKind, NotifyKey | null> = {
  mention: 'emailMentions',
  reply: 'emailReplies',
  chat: 'emailChat',
  remediation: 'emailRemediation',
  retest: 'emailRemediation',
  finding_published: 'emailPublished',
  report_published: 'emailPublished',
  invitation_held: null,
};

const SUBJECT: Record<NotificationKind, string> = {
  mention: 'You were mentioned',
  reply: 'New reply on a finding you follow',
  chat: 'New chat message',
  remediation: 'Remediation update',
  retest: 'Retest update',
  finding_published: 'New finding published',
  report_published: 'New report published',
  invitation_held: 'An invitation was held',
};

/** Whether this person wants mail about this kind of notification. */
export const wantsMail = (prefs: NotifyPrefs, kind: NotificationKind) => {
  const pref = PREF_OF_KIND[kind];
  return pref === null || prefs[pref];
};

/**
 * The mail telling an offline person about a notification: what happened and a link to it.
 * It carries only the notification's own short text and the link — never a comment or message
 * body beyond that text, a file, a token or anything secret.
 */
export function notificationMail(n: { kind: NotificationKind; text: string; link: string }, to: string, firmName: string, publicUrl: string): Mail {
  // Links are same-site paths; anything else (a full URL, //host) points home instead.
  const path = /^\/(?!\/)/.test(n.link) ? n.link : '/';
  const url = publicUrl.replace(/\/+$/, '') + path;
  const text = [
    `${oneLine(n.text, 300)}`,
    '',
    `Open it in ${firmName}: ${url}`,
    '',
    'You receive this mail because you were not signed in when it happened.',
    'You can choose which notifications are emailed to you on your Account page.',
  ].join('\n');
  return { to, subject: `${SUBJECT[n.kind]} · ${firmName}`, text, kind: n.kind };
}
