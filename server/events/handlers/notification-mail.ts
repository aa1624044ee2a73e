import type { NotificationKind } from '../../../db/schema.js';
import type { NotifyKey, NotifyPrefs } from '../../contracts/profile.js';
import type { Mail } from '../../services/mailer.js';
import { oneLine } from '../../commands/notifications/recipients.js';
import { mailEveryFrom } from '../../contracts/profile.js';
import type { AppDeps } from '../../context.js';
import type { DeliveryRow } from '../../repositories/notifications.js';

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

/** The first mail waits this long: a burst of replies becomes one mail. */
export const DIGEST_GRACE_MS = 60_000;

/** The person's mail window: their choice (15 minutes, hourly, daily), else the firm's NOTIFY_MAIL_MINUTES. */
export function mailWindowMs(deps: Pick<AppDeps, 'config'>, prefsJson: string | null): number {
  const chosen = mailEveryFrom(prefsJson);
  return chosen ? chosen * 60_000 : deps.config.notifyMailMs;
}

type Row = Pick<DeliveryRow, 'kind' | 'text' | 'link' | 'finding_id' | 'client_id' | 'user_email'>;

/**
 * One mail with what waited for the person since their last one, grouped by finding and chat
 * channel (mentions and verdicts among them: nothing is dropped). It carries only each
 * notification's own short text and a link — never a comment or message body beyond that text,
 * a file, a token or anything secret.
 */
export function digestMail(rows: Row[], titles: Map<string, string>, firmName: string, publicUrl: string): Mail {
  const base = publicUrl.replace(/\/+$/, '');
  // Links are same-site paths; anything else (a full URL, //host) points home instead.
  const url = (link: string) => base + (/^\/(?!\/)/.test(link) ? link : '/');
  const groups = new Map<string, { heading: string | null; rows: Row[] }>();
  for (const r of rows) {
    const key = r.finding_id ? `f:${r.finding_id}` : r.kind === 'chat' ? `c:${r.client_id}` : `o:${r.kind}`;
    const heading = r.finding_id ? `“${oneLine(titles.get(r.finding_id) ?? 'A finding', 120)}”` : r.kind === 'chat' ? 'Chat' : null;
    const g = groups.get(key) ?? groups.set(key, { heading, rows: [] }).get(key)!;
    g.rows.push(r);
  }
  const lines: string[] = [];
  for (const g of groups.values()) {
    if (g.heading) lines.push(g.heading);
    for (const r of g.rows) lines.push(`${g.heading ? '  - ' : '- '}${oneLine(r.text, 300)}`);
    lines.push(`  Open: ${url(g.rows.at(-1)!.link)}`, '');
  }
  const only = rows.length === 1 ? rows[0]! : null;
  const subject = only ? SUBJECT[only.kind] : `${rows.length} updates`;
  const text = [
    ...lines,
    `Open ${firmName}: ${base}/`,
    '',
    'You receive this mail because you were away when it happened. Things you read since are left out.',
    'You can choose which notifications are emailed to you, and how often, on your Account page.',
  ].join('\n');
  return { to: rows[0]!.user_email, subject: `${subject} · ${firmName}`, text, kind: only ? only.kind : 'digest' };
}
