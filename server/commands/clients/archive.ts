import type { AppDeps } from '../../context.js';
import type { ClientDTO } from '../../contracts/clients.js';
import { writeAudit } from '../../audit.js';
import { endClientSessions } from '../../auth/revoke.js';
import { auditFor, type CommandContext } from '../../context.js';
import { getClient, readableClient } from '../../queries/clients/read.js';
import { isArchived, stateSql } from '../../policies/access.js';

/**
 * Archive a client: its portal closes for good (every portal user signed out at once, pending
 * invitation links stop working). Archiving an archived client changes nothing.
 */
export async function archiveClient(deps: AppDeps, ctx: CommandContext, clientId: string): Promise<ClientDTO> {
  const before = await readableClient(deps, ctx, clientId, 'client.manage');
  if (!isArchived(before)) {
    const now = deps.clock();
    await deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('clients').set({ archived_at: now, updated_at: now }).where('id', '=', clientId).where(stateSql.notArchived('clients')).execute();
      await writeAudit(trx, auditFor(ctx, clientId), { action: 'client.archived', outcome: 'success', targetType: 'client', targetId: clientId }, now);
    });
    await endClientSessions(deps, clientId, 'portal_disabled');
    deps.bus.publish('access.changed', { clientId });
  }
  return getClient(deps, ctx, clientId);
}
