import type { AppDeps } from '../../context.js';
import type { ClientDTO } from '../../contracts/clients.js';
import type { ClientRow } from '../../../db/schema.js';
import { notFound } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { reachesSql } from '../../policies/access.js';
import { presentClient } from '../../presenters/client.js';
import type { CommandContext } from '../../context.js';

/** How many people (invited or active) each client has. */
async function userCounts(deps: Pick<AppDeps, 'db'>, clientIds: string[]): Promise<Map<string, number>> {
  if (clientIds.length === 0) return new Map();
  const rows = await deps.db
    .selectFrom('users')
    .select(['client_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('client_id', 'in', clientIds)
    .where('status', '!=', 'removed')
    .groupBy('client_id')
    .execute();
  return new Map(rows.map((r) => [r.client_id!, Number(r.n)]));
}

/** Every client the viewer reaches (archived ones last), for staff. */
export async function listClients(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<ClientDTO[]> {
  authorize(ctx.viewer.user, 'client.read');
  const rows = await deps.db
    .selectFrom('clients')
    .selectAll()
    .where(reachesSql(ctx.viewer.user, 'clients.id'))
    .orderBy('archived_at', (ob) => ob.asc().nullsFirst()) // active first: PostgreSQL would put nulls last
    .orderBy('name')
    .execute();
  const counts = await userCounts(
    deps,
    rows.map((r) => r.id),
  );
  return rows.map((r) => presentClient(r, counts.get(r.id) ?? 0));
}

/** The row of a client the viewer may read, or 404 (portal users never learn a client exists here). */
export async function readableClient(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  clientId: string,
  action: 'client.read' | 'client.manage' = 'client.read',
): Promise<ClientRow> {
  authorize(ctx.viewer.user, action, { type: 'client', clientId });
  const row = await deps.db.selectFrom('clients').selectAll().where('id', '=', clientId).executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

/** One client as staff see it. */
export async function getClient(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, clientId: string): Promise<ClientDTO> {
  const row = await readableClient(deps, ctx, clientId);
  return presentClient(row, (await userCounts(deps, [row.id])).get(row.id) ?? 0);
}
