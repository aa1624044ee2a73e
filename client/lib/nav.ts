import type { SelfDTO, SessionDTO } from '$contracts/api';

export interface NavItem {
  href: string;
  label: string;
  /** Shown with a padlock: the module exists but is not enabled for this person's organisation. */
  locked?: boolean;
  /** The path prefix this entry stands for, when it links to one page of a section. */
  match?: string;
  /** A live count beside the label (Chat: channels with unread messages); nothing when 0. */
  badge?: number;
}

type Modules = NonNullable<SessionDTO['modules']>;

/**
 * The menu for a signed-in person: staff see the firm's tools, portal users their organisation's.
 * For portal users every module shows: one their organisation may not use carries a padlock and
 * opens a page saying so. Findings have no page of their own (they are reached through projects),
 * so they appear only when locked — never as a link to a fake page. Activity has its own page.
 */
export function navFor(user: SelfDTO, modules: SessionDTO['modules'] = null, auditReadable = false, unreadChat = 0): NavItem[] {
  if (user.kind === 'staff') {
    return [
      { href: '/staff', label: 'Home' },
      { href: '/staff/clients', label: 'Clients' },
      { href: '/staff/projects', label: 'Projects' },
      { href: '/staff/chat', label: 'Chat', badge: unreadChat },
      { href: '/staff/verification', label: 'Verification' },
      ...(auditReadable ? [{ href: '/staff/audit', label: 'Audit' }] : []),
      ...(user.role === 'admin'
        ? [
            { href: '/staff/team', label: 'Team' },
            { href: '/staff/outbox', label: 'Outbox' },
            { href: '/staff/settings/company', label: 'Settings', match: '/staff/settings' },
          ]
        : []),
      { href: '/account', label: 'Account' },
    ];
  }
  const on: Modules = modules ?? { projects: true, findings: true, reports: true, chat: true, activity: true };
  const lockedOnly = (key: 'findings' | 'chat', label: string): NavItem[] => (on[key] ? [] : [{ href: `/portal/${key}`, label, locked: true }]);
  return [
    { href: '/portal', label: 'Home' },
    { href: '/portal/projects', label: 'Projects', locked: !on.projects },
    ...lockedOnly('findings', 'Findings'),
    ...(on.findings ? [{ href: '/portal/retests', label: 'Retests' }] : []),
    { href: '/portal/reports', label: 'Reports', locked: !on.reports },
    { href: '/portal/chat', label: 'Chat', locked: !on.chat, ...(on.chat && { badge: unreadChat }) },
    { href: '/portal/activity', label: 'Activity', locked: !on.activity },
    ...(user.role === 'manager'
      ? [
          { href: '/portal/users', label: 'Users' },
          { href: '/portal/access-log', label: 'Access log' },
        ]
      : []),
    { href: '/account', label: 'Account' },
  ];
}
