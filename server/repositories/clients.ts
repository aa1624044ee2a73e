import type { Kysely } from 'kysely';
import type { ClientRow, Database } from '../../db/schema.js';
import type { ClientRecord, FindingState } from '../policies/access.js';

/** The state `policies/access.ts` judges by, loaded in one place; and a client's name. First argument: db or trx. */

type Db = Kysely<Database>;

/** A client's portal state (portal on, archived, modules), or undefined. */
export function findClientState(db: Db, clientId: string): Promise<ClientRecord | undefined> {
  return db.selectFrom('clients').select(['id', 'portal_enabled', 'archived_at', 'modules']).where('id', '=', clientId).executeTakeFirst();
}

/** A finding's state with its client's (published, portal on, archived, modules), or undefined. */
export function findFindingState(db: Db, findingId: string): Promise<FindingState | undefined> {
  return db
    .selectFrom('findings')
    .innerJoin('clients', 'clients.id', 'findings.client_id')
    .select(['findings.client_id', 'findings.published', 'clients.portal_enabled', 'clients.archived_at', 'clients.modules'])
    .where('findings.id', '=', findingId)
    .executeTakeFirst();
}

/** A client's name, or undefined for an unknown id. */
export async function findClientName(db: Db, clientId: string): Promise<string | undefined> {
  return (await db.selectFrom('clients').select('name').where('id', '=', clientId).executeTakeFirst())?.name;
}

/** A client's whole row, or undefined for an unknown id. */
export function findClient(db: Db, clientId: string): Promise<ClientRow | undefined> {
  return db.selectFrom('clients').selectAll().where('id', '=', clientId).executeTakeFirst();
}
