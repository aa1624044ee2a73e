import type { AppDeps, CommandContext } from '../../context.js';
import type { SsoProviderRow } from '../../../db/schema.js';
import { writeAudit } from '../../audit.js';
import { validationFailed } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import type { SsoProviderDTO, SsoProviderSettings } from '../../contracts/sso.js';
import { CALLBACK_PATH, configurationOf, refusalReason, sealClientSecret } from '../../auth/sso.js';
import { randomToken } from '../../auth/tokens.js';
import { findProviderOf, upsertProvider } from '../../repositories/sso.js';

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
  };
}

/**
 * Set the firm's provider (admins): staff may then sign in through it. Its discovery document is
 * fetched first, so an address that is wrong, unreachable or names another issuer is refused and
 * nothing is saved. The secret is sealed at rest; the audit row names what changed, never the secret.
 */
export async function configureFirmSso(deps: AppDeps, ctx: CommandContext, input: SsoProviderSettings): Promise<SsoProviderDTO> {
  authorize(ctx.viewer.user, 'firm.manage');
  const before = await findProviderOf(deps.db, 'firm');
  if (!before && input.clientSecret === undefined)
    throw validationFailed('clientSecret: Enter the client secret the provider gave you.', [
      { path: 'clientSecret', message: 'Enter the client secret the provider gave you.' },
    ]);
  if (!deps.config.ssoAllowHttp && !input.issuer.startsWith('https://')) {
    throw validationFailed('issuer: The provider must be reached over https.', [{ path: 'issuer', message: 'The provider must be reached over https.' }]);
  }
  const now = deps.clock();
  const id = before?.id ?? randomToken(15);
  const row: SsoProviderRow = {
    id,
    owner_key: 'firm',
    client_id: null,
    label: input.label,
    issuer: input.issuer,
    oidc_client_id: input.clientId,
    client_secret_enc: input.clientSecret === undefined ? before!.client_secret_enc : sealClientSecret(deps.config, id, input.clientSecret),
    token_auth_method: input.tokenAuthMethod,
    scopes: input.scopes,
    role_claim: input.roleClaim,
    role_map: JSON.stringify(input.roleMap),
    jit_enabled: input.jit ? 1 : 0,
    jit_role: null,
    trust_provider_mfa: input.trustProviderMfa ? 1 : 0,
    session_max_minutes: input.sessionMaxMinutes,
    enabled: input.enabled ? 1 : 0,
    created_at: before?.created_at ?? now,
    updated_at: now,
  };
  try {
    await configurationOf(deps.config, row, now);
  } catch (err) {
    const message = `The provider's discovery document could not be read at this address, or names another issuer (${refusalReason(err)}).`;
    throw validationFailed(`issuer: ${message}`, [{ path: 'issuer', message }]);
  }
  await deps.db.transaction().execute(async (trx) => {
    await upsertProvider(trx, row);
    const { clientSecret, ...shown } = input;
    await writeAudit(
      trx,
      ctx.audit,
      {
        action: 'sso.provider_configured',
        outcome: 'success',
        targetType: 'firm',
        targetId: '1',
        details: { providerId: id, ...shown, secretChanged: clientSecret !== undefined },
      },
      now,
    );
  });
  return presentProvider(row, deps.config.publicUrl);
}
