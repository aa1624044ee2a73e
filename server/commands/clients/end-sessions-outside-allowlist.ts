import type { Updateable } from 'kysely';
import type { ClientTable } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import { ipAllowed } from '../../auth/ip-allowlist.js';
import { endSessions } from '../../auth/revoke.js';

export type ClientUpdate = Updateable<ClientTable>;

/**
 * After an allowlist change: end the client's sessions whose recorded address the new list no
 * longer allows (their sockets close through `sessions.ended`, like every other revocation).
 * Sessions from allowed addresses are kept.
 */
export async function endSessionsOutsideAllowlist(deps: Pick<AppDeps, 'db' | 'bus' | 'clock'>, clientId: string, allowlist: string[]): Promise<string[]> {
  if (allowlist.length === 0) return [];
  const sessions = await deps.db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.ip'])
    .where('u.client_id', '=', clientId)
    .execute();
  return endSessions(
    deps,
    sessions.filter((s) => !ipAllowed(s.ip, allowlist)).map((s) => s.id),
    'network_not_allowed',
  );
}
