import type { AppDeps, CommandContext } from '../../context.js';
import type { SsoProviderRow } from '../../../db/schema.js';
import { writeAudit } from '../../audit.js';
import { validationFailed } from '../../errors.js';
import type { ClientSsoDTO, ClientSsoSettings, SsoProviderDTO, SsoProviderSettings } from '../../contracts/sso.js';
import { BACKCHANNEL_PATH, CALLBACK_PATH, configurationOf, refusalReason, sealClientSecret } from '../../auth/sso.js';
import { randomToken } from '../../auth/tokens.js';
import {
  deleteProvider,
  domainHolder,
  domainsOf,
  findProviderOf,
  replaceDomains,
  upsertProvider,
  usersOfClientAt,
  usersOutsideClientAt,
} from '../../repositories/sso.js';

/**
 * Setting a single sign-on provider: the firm's (admins; staff sign in through it) or a client's
 * own (the firm's admins, or that client's Manager; its people sign in through it, only for its
 * e-mail domains). Before anything is saved the provider's discovery document is read, so an
 * address that is wrong, unreachable, private (a client's) or names another issuer is refused. The
 * secret is sealed at rest; the audit row names what changed, never the secret.
 */

function field(path: string, message: string): never {
  throw validationFailed(`${path}: ${message}`, [{ path, message }]);
}

/** A provider as its administrators see it: never the secret. */
export function presentProvider(p: SsoProviderRow, publicUrl: string): SsoProviderDTO {
  const map = JSON.parse(p.role_map) as Partial<SsoProviderDTO['roleMap']>;
  return {
    id: p.id,
    label: p.label,
    issuer: p.issuer,
    clientId: p.oidc_client_id,
    secretSet: p.client_secret_enc !== '',
    tokenAuthMethod: p.token_auth_method,
    scopes: p.scopes,
    roleClaim: p.role_claim,
    roleMap: { admin: map.admin ?? [], analyst: map.analyst ?? [] },
    jit: p.jit_enabled === 1,
    trustProviderMfa: p.trust_provider_mfa === 1,
    sessionMaxMinutes: p.session_max_minutes,
    enabled: p.enabled === 1,
    callbackUrl: publicUrl + CALLBACK_PATH,
    backchannelLogoutUrl: publicUrl + BACKCHANNEL_PATH,
    backchannelLogout: p.backchannel_logout === 1,
  };
}

function presentClientProvider(p: SsoProviderRow, domains: string[], publicUrl: string): ClientSsoDTO {
  const { roleClaim: _c, roleMap: _m, ...shown } = presentProvider(p, publicUrl);
  return { ...shown, domains, jitRole: p.jit_role === 'collaborator' ? 'collaborator' : 'viewer' };
}

type Owner = { kind: 'firm' } | { kind: 'client'; clientId: string };
const ownerKey = (o: Owner) => (o.kind === 'firm' ? 'firm' : `client:${o.clientId}`);

/** The row to save, checked against the provider's own discovery document. */
async function checkedRow(
  deps: AppDeps,
  owner: Owner,
  input: SsoProviderSettings | ClientSsoSettings,
): Promise<{ row: SsoProviderRow; before?: SsoProviderRow }> {
  const before = await findProviderOf(deps.db, ownerKey(owner));
  if (!before && input.clientSecret === undefined) field('clientSecret', 'Enter the client secret the provider gave you.');
  if (!deps.config.ssoAllowHttp && !input.issuer.startsWith('https://')) field('issuer', 'The provider must be reached over https.');
  const now = deps.clock();
  const id = before?.id ?? randomToken(15);
  const staff = 'roleMap' in input ? input : null;
  const row: SsoProviderRow = {
    id,
    owner_key: ownerKey(owner),
    client_id: owner.kind === 'client' ? owner.clientId : null,
    label: input.label,
    issuer: input.issuer,
    oidc_client_id: input.clientId,
    client_secret_enc: input.clientSecret === undefined ? before!.client_secret_enc : sealClientSecret(deps.config, id, input.clientSecret),
    token_auth_method: input.tokenAuthMethod,
    scopes: input.scopes,
    role_claim: staff?.roleClaim ?? null,
    role_map: JSON.stringify(staff?.roleMap ?? {}),
    jit_enabled: input.jit ? 1 : 0,
    jit_role: 'jitRole' in input ? input.jitRole : null,
    trust_provider_mfa: input.trustProviderMfa ? 1 : 0,
    session_max_minutes: input.sessionMaxMinutes,
    backchannel_logout: 0,
    enabled: input.enabled ? 1 : 0,
    created_at: before?.created_at ?? now,
    updated_at: now,
  };
  let meta;
  try {
    meta = (await configurationOf(deps.config, row, now)).serverMetadata();
  } catch (err) {
    field('issuer', `The provider's discovery document could not be read at this address, or names another issuer (${refusalReason(err)}).`);
  }
  row.backchannel_logout = meta.backchannel_logout_supported === true ? 1 : 0;
  // Without back-channel logout, a session it made must end by itself: the provider cannot end it.
  if (row.backchannel_logout === 0 && row.session_max_minutes === null) {
    field('sessionMaxMinutes', 'This provider does not send back-channel logout: set how long a session it signs in may last.');
  }
  return { row, before };
}

async function saveAudited(deps: AppDeps, ctx: CommandContext, row: SsoProviderRow, input: SsoProviderSettings | ClientSsoSettings, domains?: string[]) {
  await deps.db.transaction().execute(async (trx) => {
    await upsertProvider(trx, row);
    if (domains) await replaceDomains(trx, row.id, domains);
    const { clientSecret, ...shown } = input;
    await writeAudit(
      trx,
      row.client_id ? { ...ctx.audit, clientId: row.client_id } : ctx.audit,
      {
        action: 'sso.provider_configured',
        outcome: 'success',
        ...(row.client_id ? { targetType: 'client', targetId: row.client_id } : { targetType: 'firm', targetId: '1' }),
        details: { providerId: row.id, ...shown, secretChanged: clientSecret !== undefined, backchannelLogout: row.backchannel_logout === 1 },
      },
      deps.clock(),
    );
  });
}

/** The firm's provider (admins; the caller is authorized by the route). */
export async function configureFirmSso(deps: AppDeps, ctx: CommandContext, input: SsoProviderSettings): Promise<SsoProviderDTO> {
  const { row } = await checkedRow(deps, { kind: 'firm' }, input);
  await saveAudited(deps, ctx, row, input);
  return presentProvider(row, deps.config.publicUrl);
}

/**
 * A client's own provider. Its domains are its alone: one no other client's provider holds, where
 * no one outside this client has an address (staff, another client's people). A Manager may name
 * only domains their own organisation's people already use here, so a Manager cannot claim a
 * company they are not. A domain is checked when it is added; keeping it later needs no new check.
 */
export async function configureClientSso(deps: AppDeps, ctx: CommandContext, clientId: string, input: ClientSsoSettings): Promise<ClientSsoDTO> {
  const domains = [...new Set(input.domains)];
  for (const d of domains) {
    const holder = await domainHolder(deps.db, d);
    if (holder === `client:${clientId}`) continue; // checked when it was added
    if (holder) field('domains', `${d} is already used by another organisation's single sign-on.`);
    if (await usersOutsideClientAt(deps.db, clientId, d)) field('domains', `Addresses at ${d} belong to people outside this organisation.`);
    if (ctx.viewer.user.kind === 'portal' && !(await usersOfClientAt(deps.db, clientId, d))) {
      field('domains', `No one of your organisation has an address at ${d} yet; ask the firm to add this domain.`);
    }
  }
  const { row } = await checkedRow(deps, { kind: 'client', clientId }, input);
  await saveAudited(deps, ctx, row, input, domains);
  return presentClientProvider(row, domains.sort(), deps.config.publicUrl);
}

export async function readClientSso(deps: AppDeps, clientId: string): Promise<ClientSsoDTO | null> {
  const p = await findProviderOf(deps.db, `client:${clientId}`);
  return p ? presentClientProvider(p, await domainsOf(deps.db, p.id), deps.config.publicUrl) : null;
}

/**
 * Remove a client's provider: its people sign in with their passwords again. The links to its
 * subjects go with it; sessions it made run to their end (or their cap).
 */
export async function removeClientSso(deps: AppDeps, ctx: CommandContext, clientId: string): Promise<{ provider: null }> {
  const p = await findProviderOf(deps.db, `client:${clientId}`);
  if (!p) return { provider: null };
  await deps.db.transaction().execute(async (trx) => {
    await deleteProvider(trx, p.id);
    await writeAudit(
      trx,
      { ...ctx.audit, clientId },
      { action: 'sso.provider_removed', outcome: 'success', targetType: 'client', targetId: clientId, details: { providerId: p.id, issuer: p.issuer } },
      deps.clock(),
    );
  });
  return { provider: null };
}
