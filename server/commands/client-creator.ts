import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../context.js';
import type { ClientDTO, CreateClientInput } from '../contracts/clients.js';
import { writeAudit } from '../audit.js';
import { authorize } from '../policies/index.js';
import { auditFor, type CommandContext } from './context.js';
import { getClient } from './client-lister.js';

/** Create a client organisation (portal enabled, no allowlist, the firm's session timeouts). */
export async function createClient(deps: AppDeps, ctx: CommandContext, input: CreateClientInput): Promise<ClientDTO> {
  authorize(ctx.viewer.user, 'client.manage');
  const id = randomUUID();
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await trx.insertInto('clients').values({ id, name: input.name, portal_enabled: 1, created_at: now, updated_at: now }).execute();
    await writeAudit(trx, auditFor(ctx, id), { action: 'client.created', outcome: 'success', targetType: 'client', targetId: id }, now);
  });
  return getClient(deps, ctx, id);
}
