import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../context.js';
import type { ClientDTO, CreateClientInput } from '../../contracts/clients.js';
import { writeAudit } from '../../audit.js';
import { authorize } from '../../policies/index.js';
import { auditFor, type CommandContext } from '../../context.js';
import { getClient } from '../../queries/clients/read.js';

/**
 * Create a client organisation (portal off until staff turn it on, once its people are invited; no allowlist, the firm's session timeouts). An
 * analyst who creates one is assigned to it, so it stays theirs if the firm scopes analysts.
 */
export async function createClient(deps: AppDeps, ctx: CommandContext, input: CreateClientInput): Promise<ClientDTO> {
  const { user } = ctx.viewer;
  authorize(user, 'client.manage');
  const id = randomUUID();
  const now = deps.clock();
  const assign = user.role !== 'admin';
  await deps.db.transaction().execute(async (trx) => {
    await trx.insertInto('clients').values({ id, name: input.name, portal_enabled: 0, created_at: now, updated_at: now }).execute();
    if (assign) await trx.insertInto('client_staff').values({ client_id: id, user_id: user.id, assigned_by: user.id, created_at: now }).execute();
    await writeAudit(trx, auditFor(ctx, id), { action: 'client.created', outcome: 'success', targetType: 'client', targetId: id }, now);
  });
  if (assign && user.scope !== 'all') deps.bus.publish('scope.changed', {});
  const scope = user.scope === 'all' ? 'all' : [...user.scope, id];
  return getClient(deps, { ...ctx, viewer: { ...ctx.viewer, user: { ...user, scope } } }, id);
}
