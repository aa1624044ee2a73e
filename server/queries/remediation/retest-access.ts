import type { AppDeps } from '../../context.js';
import { type FindingStatus } from '../../contracts/workspace.js';
import { clientOf } from '../../auth/access.js';
import { forbidden, notFound } from '../../errors.js';
import { requireClientModule } from '../../policies/access.js';
import { authorize } from '../../policies/index.js';
import { allowedFrom } from '../../remediation/transitions.js';
import type { CommandContext } from '../../context.js';

/** The portal user's own client (from the session), with the Findings module on. */
export async function ownClient(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, action: 'retest.read' | 'retest.request') {
  const u = ctx.viewer.user;
  // Staff act on retests through the firm-wide routes; this is the client side.
  if (u.kind === 'staff') throw forbidden();
  if (!u.client_id) throw notFound();
  authorize(u, action, { type: 'clientData', clientId: u.client_id });
  const client = await clientOf(deps.db, u);
  requireClientModule(u, client, 'findings');
  return client!;
}
/** Whether a Manager may name a finding in this status in a retest request (the transition table decides). */
export const retestable = (status: FindingStatus) => status === 'pending_verification' || allowedFrom(status, 'manager').includes('pending_verification');
