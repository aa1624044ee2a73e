import type { SelfDTO } from '$contracts/api';

export interface NavItem {
  href: string;
  label: string;
  /** Shown with a padlock: the module exists but is not enabled for this person's organisation. */
  locked?: boolean;
}

/** The menu for a signed-in person: staff see the firm's tools, portal users their organisation's. */
export function navFor(user: SelfDTO): NavItem[] {
  if (user.kind === 'staff') {
    return [
      { href: '/staff', label: 'Home' },
      { href: '/staff/clients', label: 'Clients' },
      ...(user.role === 'admin'
        ? [
            { href: '/staff/team', label: 'Team' },
            { href: '/staff/outbox', label: 'Outbox' },
          ]
        : []),
      { href: '/account', label: 'Account' },
    ];
  }
  return [
    { href: '/portal', label: 'Home' },
    ...(user.role === 'manager' ? [{ href: '/portal/users', label: 'Users' }] : []),
    { href: '/account', label: 'Account' },
  ];
}
