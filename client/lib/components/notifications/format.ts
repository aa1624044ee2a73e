import type { NotificationDTO } from '$contracts/realtime';

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 7 * 86_400) return `${Math.floor(s / 86_400)} day${s < 2 * 86_400 ? '' : 's'} ago`;
  return new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** A short label of the kind, for the list's small print. */
export const KIND_LABEL: Record<NotificationDTO['kind'], string> = {
  mention: 'Mention',
  reply: 'Reply',
  chat: 'Chat',
  finding_published: 'Finding published',
  report_published: 'Report published',
  remediation: 'Remediation',
  retest: 'Retest',
  invitation_held: 'Invitation held',
};

/** Only same-site paths are followed (a link is always one of ours). */
export const safeLink = (link: string) => (/^\/(?!\/)/.test(link) ? link : '/');
