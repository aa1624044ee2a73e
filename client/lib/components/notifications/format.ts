import type { NotificationDTO } from '$contracts/realtime';

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
