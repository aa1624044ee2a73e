import type { Request } from 'express';
import type { AuditContext } from '../audit.js';
import type { Viewer } from '../auth/session.js';
import { auditContextOf } from '../context.js';
import { requireViewer } from '../middleware/authenticate.js';

/** What every command is given: who acts and from where. Transport-agnostic (HTTP or socket). */
export interface CommandContext {
  viewer: Viewer;
  audit: AuditContext;
}

/** The command context of a signed-in, fully verified HTTP request (401 otherwise). */
export function commandContextOf(req: Request, need: Parameters<typeof requireViewer>[1] = {}): CommandContext {
  return { viewer: requireViewer(req, need), audit: auditContextOf(req) };
}

/** Audit rows about a client's people carry that client, whoever (staff or Manager) acted. */
export function auditFor(ctx: CommandContext, clientId: string | null): AuditContext {
  return clientId ? { ...ctx.audit, clientId } : ctx.audit;
}
