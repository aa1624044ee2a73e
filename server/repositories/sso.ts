import { sql, type Insertable } from 'kysely';
import type { Db } from '../../db/client.js';
import type { SsoIdentityTable, SsoLoginStateTable, SsoProviderRow, SsoProviderTable, SsoSessionTable } from '../../db/schema.js';

/** Single sign-on's rows (auth/sso.ts holds the protocol, commands/account/sso-sign-in.ts the sign-in). */

export function findProvider(db: Db, id: string): Promise<SsoProviderRow | undefined> {
  return db.selectFrom('sso_providers').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findProviderOf(db: Db, ownerKey: string): Promise<SsoProviderRow | undefined> {
  return db.selectFrom('sso_providers').selectAll().where('owner_key', '=', ownerKey).executeTakeFirst();
}

/** Create or replace the provider of an owner (the firm, or a client). */
export async function upsertProvider(db: Db, row: Insertable<SsoProviderTable>): Promise<void> {
  const { id: _id, created_at: _c, owner_key: _o, ...changes } = row;
  await db
    .insertInto('sso_providers')
    .values(row)
    .onConflict((oc) => oc.column('owner_key').doUpdateSet(changes))
    .execute();
}

export async function saveLoginState(db: Db, row: Insertable<SsoLoginStateTable>, now: number): Promise<void> {
  await db.deleteFrom('sso_login_states').where('expires_at', '<=', now).execute();
  await db.insertInto('sso_login_states').values(row).execute();
}

/** Take (and delete) a sign-in in flight: single use; undefined if none or expired. */
export async function takeLoginState(db: Db, id: string, now: number) {
  const row = await db.deleteFrom('sso_login_states').where('id', '=', id).returningAll().executeTakeFirst();
  return row && row.expires_at > now ? row : undefined;
}

export function findIdentity(db: Db, providerId: string, sub: string) {
  return db.selectFrom('sso_identities').selectAll().where('provider_id', '=', providerId).where('sub', '=', sub).executeTakeFirst();
}

export async function linkIdentity(db: Db, row: Insertable<SsoIdentityTable>): Promise<void> {
  await db.insertInto('sso_identities').values(row).execute();
}

export async function touchIdentity(db: Db, providerId: string, sub: string, now: number): Promise<void> {
  await db.updateTable('sso_identities').set({ last_login_at: now }).where('provider_id', '=', providerId).where('sub', '=', sub).execute();
}

/** Whether a client's provider may sign in addresses of this domain. */
export async function domainAllowed(db: Db, providerId: string, domain: string): Promise<boolean> {
  return !!(await db.selectFrom('sso_domains').select('domain').where('provider_id', '=', providerId).where('domain', '=', domain).executeTakeFirst());
}

/** Remember a back-channel logout token's id until it expires: false if it was seen already (a replay). */
export async function claimLogoutJti(db: Db, providerId: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
  await db.deleteFrom('sso_logout_jtis').where('expires_at', '<=', now).execute();
  const r = await db
    .insertInto('sso_logout_jtis')
    .values({ provider_id: providerId, jti, expires_at: expiresAt })
    .onConflict((oc) => oc.doNothing())
    .returning('jti')
    .executeTakeFirst();
  return r !== undefined;
}

/** The providers a logout token may come from: this issuer, this client id. */
export function providersFor(db: Db, issuer: string, clientIds: string[]): Promise<SsoProviderRow[]> {
  if (clientIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('sso_providers').selectAll().where('issuer', '=', issuer).where('oidc_client_id', 'in', clientIds).execute();
}

/** The Debrief sessions an SSO session (its `sid`) or a whole subject maps to. */
export async function ssoSessionIds(db: Db, providerId: string, by: { sid: string | null; sub: string | null }): Promise<string[]> {
  let q = db.selectFrom('sso_sessions').select('session_id').where('provider_id', '=', providerId);
  if (by.sid) q = q.where('sid', '=', by.sid);
  if (by.sub) q = q.where('sub', '=', by.sub);
  return (await q.execute()).map((r) => r.session_id);
}

export async function insertSsoSession(db: Db, row: Insertable<SsoSessionTable>): Promise<void> {
  await db.insertInto('sso_sessions').values(row).execute();
}

export function findSsoSession(db: Db, sessionId: string) {
  return db.selectFrom('sso_sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
}

export async function deleteProvider(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sso_providers').where('id', '=', id).execute();
}

export async function domainsOf(db: Db, providerId: string): Promise<string[]> {
  return (await db.selectFrom('sso_domains').select('domain').where('provider_id', '=', providerId).orderBy('domain').execute()).map((r) => r.domain);
}

export async function replaceDomains(db: Db, providerId: string, domains: string[]): Promise<void> {
  await db.deleteFrom('sso_domains').where('provider_id', '=', providerId).execute();
  if (domains.length)
    await db
      .insertInto('sso_domains')
      .values(domains.map((domain) => ({ domain, provider_id: providerId })))
      .execute();
}

/** Which provider's owner ('firm', 'client:<id>') holds a domain, if any. */
export async function domainHolder(db: Db, domain: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sso_domains')
    .innerJoin('sso_providers', 'sso_providers.id', 'sso_domains.provider_id')
    .select('sso_providers.owner_key')
    .where('sso_domains.domain', '=', domain)
    .executeTakeFirst();
  return row?.owner_key;
}

/** The enabled provider of a client that holds an address's domain: "sign in with your organisation's account". */
export async function providerForDomain(db: Db, domain: string): Promise<SsoProviderRow | undefined> {
  return db
    .selectFrom('sso_domains')
    .innerJoin('sso_providers', 'sso_providers.id', 'sso_domains.provider_id')
    .selectAll('sso_providers')
    .where('sso_domains.domain', '=', domain)
    .where('sso_providers.enabled', '=', 1)
    .executeTakeFirst();
}

/** Whether any client has a provider on (the sign-in page then offers the e-mail step). */
export async function anyClientProvider(db: Db): Promise<boolean> {
  return !!(await db.selectFrom('sso_providers').select('id').where('client_id', 'is not', null).where('enabled', '=', 1).executeTakeFirst());
}

/** Addresses at a domain (a checked domain: letters, digits, dots and hyphens only). */
const atDomain = (domain: string) => sql<boolean>`lower(email) like ${`%@${domain}`}`;

/** Whether someone outside a client (staff, another client's people) has an address at this domain. */
export async function usersOutsideClientAt(db: Db, clientId: string, domain: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb.and([atDomain(domain), eb.or([eb('client_id', 'is', null), eb('client_id', '!=', clientId)])]))
    .executeTakeFirst();
  return !!row;
}

/** Whether one of a client's own people has an address at this domain. */
export async function usersOfClientAt(db: Db, clientId: string, domain: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('client_id', '=', clientId).where(atDomain(domain)).executeTakeFirst();
  return !!row;
}
