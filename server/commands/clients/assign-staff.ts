import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { AuditContext } from '../../audit.js';
import type { AppDeps } from '../../context.js';
import type { ClientStaffDTO, ClientStaffInput } from '../../contracts/clients.js';
import { writeAudit } from '../../audit.js';
import { lockRow } from '../../../db/dialect.js';
import { validationFailed } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { activeStaffIds } from '../../repositories/projects.js';
import { auditFor, type CommandContext } from '../../context.js';
import { getClientStaff } from '../../queries/clients/staff.js';
import { readableClient } from '../../queries/clients/read.js';

/**
 * Replace the client's assigned analysts (admins only). Every id must be an active staff account;
 * a bad one is refused with 400 naming it, and nothing changes. Audited with who was added and
 * removed; open sockets of people who lost the client leave its rooms at once.
 */
export async function setClientStaff(deps: AppDeps, ctx: CommandContext, clientId: string, input: ClientStaffInput): Promise<ClientStaffDTO> {
  await readableClient(deps, ctx, clientId);
  authorize(ctx.viewer.user, 'client.assign', { type: 'client', clientId });
  const wanted = [...new Set(input.userIds)];
  const ok = await activeStaffIds(deps.db, wanted);
  const bad = wanted.filter((id) => !ok.has(id));
  if (bad.length) {
    const message = `Only active staff accounts can be assigned to a client (not: ${bad.join(', ')}).`;
    throw validationFailed(`userIds: ${message}`, [{ path: 'userIds', message, invalid: bad }]);
  }
  const now = deps.clock();
  await deps.db.transaction().execute((trx) => replaceClientStaff(trx, auditFor(ctx, clientId), ctx.viewer.user.id, clientId, wanted, now));
  deps.bus.publish('scope.changed', {});
  return getClientStaff(deps, ctx, clientId);
}

/**
 * Make the client's assigned staff exactly `wanted`, inside the caller's transaction, and audit
 * who was added and removed. The client row is locked before the current set is read: two
 * assignments at once then run one after the other, and the second computes its difference from
 * the first's result (else both add the same person, a duplicate key, or the set ends up as the
 * union neither asked for). The inserts only take KEY SHARE on the client, which this lock allows.
 */
export async function replaceClientStaff(
  trx: Kysely<Database>,
  audit: AuditContext,
  assignedBy: string,
  clientId: string,
  wanted: string[],
  now: number,
): Promise<void> {
  await lockRow(trx, 'clients', clientId);
  const before = new Set((await trx.selectFrom('client_staff').select('user_id').where('client_id', '=', clientId).execute()).map((r) => r.user_id));
  const added = wanted.filter((id) => !before.has(id));
  const removed = [...before].filter((id) => !wanted.includes(id));
  if (removed.length) await trx.deleteFrom('client_staff').where('client_id', '=', clientId).where('user_id', 'in', removed).execute();
  if (added.length)
    await trx
      .insertInto('client_staff')
      .values(added.map((user_id) => ({ client_id: clientId, user_id, assigned_by: assignedBy, created_at: now })))
      .execute();
  await writeAudit(
    trx,
    audit,
    { action: 'client.staff_assigned', outcome: 'success', targetType: 'client', targetId: clientId, details: { added, removed } },
    now,
  );
}
