import type { AuditContext } from '../../audit.js';

/**
 * What an account flow that needs no signed-in, verified viewer is given (sign-in, logout, first-run
 * setup, accepting an invitation, a password reset): who acts, if anyone, and from where, and the
 * session this browser already holds. Transport-agnostic, like `CommandContext`; the HTTP adapter
 * is `middleware/origin-context.ts`. `audit.ip` and `audit.userAgent` are also recorded on a
 * session the flow creates.
 */
export interface OriginContext {
  audit: AuditContext;
  /** The (valid) session this browser brought along, or null. */
  sessionId: string | null;
}
