import type { Db } from '../../db/client.js';
import type { FirmRow, UserRow } from '../../db/schema.js';
import { seesEveryClient, type ClientScope } from '../policies/access.js';

/**
 * Where a person's `ClientScope` comes from (the rule itself is `policies/access.ts`): a portal
 * user's own client; staff every client when `seesEveryClient` says so, else the clients they are
 * explicitly assigned to (`client_staff`) and those of every project whose team they are on.
 */

type Who = Pick<UserRow, 'id' | 'kind' | 'role' | 'client_id'>;

/** The firm's columns a scope depends on (read with a session, so its scope needs no read of its own). */
export const FIRM_SCOPING = ['analysts_see_all_clients'] as const;
export type FirmScoping = Pick<FirmRow, (typeof FIRM_SCOPING)[number]>;

/** Whether the firm lets analysts see every client (on unless switched off; on before setup). */
export async function firmScoping(db: Db): Promise<FirmScoping | undefined> {
  return db.selectFrom('firm').select(FIRM_SCOPING).executeTakeFirst();
}

/** The scopes of several people at once (two queries at most). */
export async function scopesOf<P extends Who>(db: Db, people: P[], firm?: { analysts_see_all_clients: number }): Promise<(P & { scope: ClientScope })[]> {
  const setting = firm ?? (people.some((p) => p.kind === 'staff') ? await firmScoping(db) : undefined);
  const scoped = people.filter((p) => p.kind === 'staff' && !seesEveryClient(p, setting)).map((p) => p.id);
  const lists = new Map<string, Set<string>>(scoped.map((id) => [id, new Set()]));
  if (scoped.length) {
    const rows = await db
      .selectFrom('client_staff')
      .select(['user_id', 'client_id'])
      .where('user_id', 'in', scoped)
      .union(
        db
          .selectFrom('project_team')
          .innerJoin('projects', 'projects.id', 'project_team.project_id')
          .select(['project_team.user_id as user_id', 'projects.client_id as client_id'])
          .where('project_team.user_id', 'in', scoped),
      )
      .execute();
    for (const r of rows) lists.get(r.user_id)!.add(r.client_id);
  }
  return people.map((p) => {
    if (p.kind !== 'staff') return { ...p, scope: p.client_id ? [p.client_id] : [] };
    const list = lists.get(p.id);
    return { ...p, scope: list ? [...list].sort() : 'all' };
  });
}

/** One person's scope. */
export async function scopeOf(db: Db, person: Who, firm?: { analysts_see_all_clients: number }): Promise<ClientScope> {
  return (await scopesOf(db, [person], firm))[0]!.scope;
}

/** The analysts explicitly assigned to a client (active or not), by name. */
export async function assignedStaff(db: Db, clientId: string): Promise<{ id: string; name: string; email: string; role: string; status: string }[]> {
  return db
    .selectFrom('client_staff')
    .innerJoin('users', 'users.id', 'client_staff.user_id')
    .select(['users.id', 'users.name', 'users.email', 'users.role', 'users.status'])
    .where('client_staff.client_id', '=', clientId)
    .orderBy('users.name')
    .execute();
}
