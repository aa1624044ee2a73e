import type { AuditContext } from '../audit.js';
import type { Viewer } from '../auth/session.js';

/** What every command is given: who acts and from where. Transport-agnostic (HTTP or socket). */
export interface CommandContext {
  viewer: Viewer;
  audit: AuditContext;
}

/** Audit rows about a client's people carry that client, whoever (staff or Manager) acted. */
export function auditFor(ctx: CommandContext, clientId: string | null): AuditContext {
  return clientId ? { ...ctx.audit, clientId } : ctx.audit;
}
