import * as jose from 'jose';
import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { configurationOf, endSessionUrl, verifyLogoutToken } from '../../auth/sso.js';
import { openSecret } from '../../auth/secret-box.js';
import { endSessions } from '../../auth/revoke.js';
import { claimLogoutJti, findProvider, findSsoSession, providersFor, ssoSessionIds } from '../../repositories/sso.js';

/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0): the provider says a person's
 * session there ended. The token's unverified issuer and audience only pick which provider's keys
 * check it; it must then verify against those keys, carry the logout event and no nonce, be
 * recent, and be new (its id is remembered until it expires). The Debrief sessions of that SSO
 * session (or, without a session id, of that subject) end at once, sockets included.
 */
export async function backchannelLogout(deps: AppDeps, token: string): Promise<{ ok: boolean }> {
  const now = deps.clock();
  const system = { actorId: null, actorEmail: null, actorKind: 'system' as const, clientId: null, ip: null, userAgent: null };
  const audit = (outcome: 'success' | 'failure', details: Record<string, unknown>, clientId: string | null = null) =>
    writeAudit(deps.db, { ...system, clientId }, { action: 'sso.backchannel_logout', outcome, details }, now);
  let claims: jose.JWTPayload;
  try {
    claims = jose.decodeJwt(token);
  } catch {
    await audit('failure', { reason: 'malformed' });
    return { ok: false };
  }
  const audience = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : [];
  const candidates = typeof claims.iss === 'string' ? await providersFor(deps.db, claims.iss, audience) : [];
  for (const p of candidates) {
    let verified;
    try {
      verified = await verifyLogoutToken(await configurationOf(deps.config, p, now), token, now);
    } catch (err) {
      await audit('failure', { providerId: p.id, reason: 'invalid_token', error: err instanceof Error ? err.message.slice(0, 200) : 'unknown' }, p.client_id);
      return { ok: false };
    }
    if (!(await claimLogoutJti(deps.db, p.id, verified.jti, verified.exp * 1000, now))) {
      await audit('failure', { providerId: p.id, reason: 'replay' }, p.client_id);
      return { ok: false };
    }
    const ids = await ssoSessionIds(deps.db, p.id, verified);
    await endSessions(deps, ids, 'signed_out_at_provider');
    await audit('success', { providerId: p.id, sessionsEnded: ids.length }, p.client_id);
    return { ok: true };
  }
  await audit('failure', { reason: 'unknown_provider' });
  return { ok: false };
}

/**
 * Where to send the browser so the person is signed out at the provider too (RP-initiated logout):
 * for a session single sign-on made, if its provider is on and offers an end-session endpoint.
 * The ID token it issued goes along as the hint. Null otherwise, or if the provider is unreachable
 * (signing out of Debrief never waits on it).
 */
export async function providerLogoutUrl(deps: AppDeps, sessionId: string): Promise<string | null> {
  const row = await findSsoSession(deps.db, sessionId);
  const p = row && (await findProvider(deps.db, row.provider_id));
  if (!row || !p || p.enabled !== 1) return null;
  try {
    const hint = row.id_token_enc ? openSecret(deps.config, row.id_token_enc, `sso-session:${sessionId}`) : null;
    return endSessionUrl(await configurationOf(deps.config, p, deps.clock()), deps.config, hint);
  } catch {
    return null;
  }
}
