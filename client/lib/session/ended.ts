import type { SignOutReason } from '$contracts/sign-out';

/**
 * Where the signed-in pages learn that their session ended (issue 18, point 5): an API answer
 * (`lib/api/http.ts`: a 401 naming a reason, or the 403 of a session refused here) or the socket's
 * `session:ended`. The signed-in layout registers the one handler while it is shown; the
 * signed-out pages register none, so their own refusals stay theirs to show.
 */
type Handler = (reason: SignOutReason | null) => void;
let handler: Handler | null = null;

/** Register the handler (the signed-in layout); returns the function that removes it. */
export function onSessionEnded(fn: Handler): () => void {
  handler = fn;
  return () => {
    if (handler === fn) handler = null;
  };
}

/** Tell the signed-in pages their session ended (nothing happens on signed-out pages). */
export function sessionEnded(reason: SignOutReason | null): void {
  handler?.(reason);
}

/** The sign-in page's address for a reason (the page shows fixed words for it). */
export const loginUrl = (reason: SignOutReason | null) => (reason ? `/login?reason=${reason}` : '/login');
