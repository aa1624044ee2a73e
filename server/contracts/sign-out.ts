/**
 * Why a session was ended without the person asking (issue 18, point 5): THE list of reasons,
 * shared by the server (the `session:ended` socket event, the 401's `details.reason`) and the
 * sign-in page (one fixed message per reason). Nothing else names a reason.
 */
export const SIGN_OUT_REASONS = [
  'removed',
  'portal_disabled',
  'network_not_allowed',
  'idle_timeout',
  'signed_out_elsewhere',
  'password_changed',
  'mfa_reset',
  'expired',
  'signed_out_at_provider',
  'sso_required',
] as const;
export type SignOutReason = (typeof SIGN_OUT_REASONS)[number];

/** Whether a value (a query parameter, an error's details) is one of the reasons; anything else is ignored. */
export function isSignOutReason(value: unknown): value is SignOutReason {
  return typeof value === 'string' && (SIGN_OUT_REASONS as readonly string[]).includes(value);
}

/**
 * The reason a refusal's details carry: a 401 for an ended session says `{ reason }` with one of
 * the reasons; a 403 for a live session refused here says `portal_disabled` or `ip_not_allowed`
 * (the sign-in answer's words too), which the page shows as `network_not_allowed`.
 */
export function signOutReasonOf(details: unknown): SignOutReason | null {
  const reason = (details as { reason?: unknown } | null | undefined)?.reason;
  if (reason === 'ip_not_allowed') return 'network_not_allowed';
  return isSignOutReason(reason) ? reason : null;
}

/**
 * Every API request of the SPA: milliseconds since the person last touched any tab of this
 * browser (key, pointer). A request the page makes by itself (a refetch after a push) is then
 * recorded as activity at that earlier time, not now: server pushes never keep a session alive.
 * A page can only make its own session end sooner with it.
 */
export const IDLE_FOR_HEADER = 'x-idle-for';

/** Every signed-in API answer: milliseconds until the session's idle deadline as the server recorded it. */
export const IDLE_REMAINING_HEADER = 'x-idle-remaining';

/**
 * How long a session may be used before its activity is written again (the server does not write
 * on every request): a request at `t` leaves the recorded activity no older than `t - this`.
 */
export function touchIntervalMs(idleMs: number): number {
  return Math.min(60_000, Math.floor(idleMs / 4));
}

/**
 * Socket events a page sends by itself (on connecting, on leaving a page): checked like any other,
 * but not the person's activity, so they don't keep an idle session alive (the server's guard and
 * the page's idle clock both read this list).
 */
export const PASSIVE_SOCKET_EVENTS: readonly string[] = ['feed:subscribe', 'feed:catchup', 'presence:leave', 'presence:visibility', 'page:view'];
