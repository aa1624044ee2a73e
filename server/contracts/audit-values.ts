/** The audit readers' plain values (no zod: the browser imports them from here). */

/** Rows per page unless the browser asks for fewer (at most AUDIT_PAGE_MAX). */
export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;

/**
 * The action groups offered as filters: an action name (`auth.login`) or a group prefix ending
 * in a dot (`auth.`) — a prefix matches every action that starts with it.
 */
export const AUDIT_ACTION_GROUPS = [
  { prefix: 'auth.', label: 'Sign-in and sign-out' },
  { prefix: 'mfa.', label: 'Two-factor' },
  { prefix: 'password.', label: 'Passwords' },
  { prefix: 'session.', label: 'Sessions' },
  { prefix: 'page.', label: 'Page views' },
  { prefix: 'report.', label: 'Reports' },
  { prefix: 'evidence.', label: 'Evidence' },
  { prefix: 'project.', label: 'Projects' },
  { prefix: 'finding.', label: 'Findings' },
  { prefix: 'comment.', label: 'Comments' },
  { prefix: 'chat.', label: 'Chat' },
  { prefix: 'attachment.', label: 'Files shared' },
  { prefix: 'remediation.', label: 'Remediation' },
  { prefix: 'retest.', label: 'Retests' },
  { prefix: 'user.', label: 'People' },
  { prefix: 'invitation.', label: 'Invitations' },
  { prefix: 'client.', label: 'Clients' },
  { prefix: 'firm.', label: 'Firm settings' },
  { prefix: 'audit.', label: 'Audit log' },
] as const;

/** The groups a client Manager's Access log offers (their own people's activity). */
export const ACCESS_LOG_GROUPS = AUDIT_ACTION_GROUPS.filter((g) =>
  [
    'auth.',
    'mfa.',
    'password.',
    'page.',
    'report.',
    'evidence.',
    'comment.',
    'chat.',
    'attachment.',
    'remediation.',
    'retest.',
    'user.',
    'invitation.',
  ].includes(g.prefix),
);
