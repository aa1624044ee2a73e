import type { SignOutReason } from '$contracts/sign-out';

/**
 * What the sign-in page says for each reason a session was ended (issue 18, point 5). FIXED
 * words per reason, filled in only with the firm's own name and support contact from the public
 * brand: nothing from the URL is ever shown. Written for staff and client people alike.
 */
export interface ReasonMessage {
  title: string;
  body: string;
}

const MESSAGES: Record<SignOutReason, (firm: string) => ReasonMessage> = {
  removed: (firm) => ({
    title: 'Your access to this portal has been removed.',
    body: `If you think this is a mistake, contact ${firm}.`,
  }),
  portal_disabled: (firm) => ({
    title: 'This portal is switched off for your organisation.',
    body: `You can sign in again once ${firm} switches it back on.`,
  }),
  network_not_allowed: (firm) => ({
    title: 'You were signed out because this network is not allowed.',
    body: `Your organisation only allows this portal from approved networks. Connect from one of them, or ask ${firm} to allow this one.`,
  }),
  idle_timeout: () => ({
    title: 'You were signed out because you were inactive for a while.',
    body: 'This protects your data on a shared or unattended computer. Sign in again to carry on.',
  }),
  signed_out_elsewhere: (firm) => ({
    title: 'Your session was ended from elsewhere.',
    body: `You ended it on another device, or an administrator at ${firm} changed your access. Sign in again to carry on.`,
  }),
  password_changed: (firm) => ({
    title: 'Your password was changed, so you were signed out.',
    body: `Sign in with the new password. If you did not change it, contact ${firm} at once.`,
  }),
  mfa_reset: () => ({
    title: 'Your two-step verification was reset.',
    body: 'Sign in and set up your authenticator app again.',
  }),
  expired: () => ({
    title: 'Your session has expired.',
    body: 'Sessions last a limited time for your security. Sign in again to carry on.',
  }),
  signed_out_at_provider: (firm) => ({
    title: 'You were signed out by your sign-in provider.',
    body: `Your organisation's single sign-on ended your session. Sign in again to carry on, or contact ${firm} if you no longer have access.`,
  }),
  sso_required: (firm) => ({
    title: 'Staff now sign in through single sign-on.',
    body: `${firm} switched staff sign-in to its identity provider. Sign in again with its button below.`,
  }),
};

/** The fixed message for a reason, naming the firm. */
export function reasonMessage(reason: SignOutReason, firm: string): ReasonMessage {
  return MESSAGES[reason](firm);
}

/** How to reach the firm's support, in words (null when the firm has not given a contact). */
export function supportLine(firm: string, email: string | null | undefined, phone: string | null | undefined): string | null {
  if (email && phone) return `${firm} support: ${email} or ${phone}.`;
  if (email || phone) return `${firm} support: ${email ?? phone}.`;
  return null;
}
