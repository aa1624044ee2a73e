import * as oidc from 'openid-client';
import * as jose from 'jose';
import type { FirmRow, SsoProviderRow, UserRow } from '../../db/schema.js';
import type { Config } from '../config.js';
import type { StaffRole } from '../contracts/users.js';
import { openSecret, sealSecret, type SecretKeyConfig } from './secret-box.js';
import { publicOnlyFetch } from './public-fetch.js';
import { conflict } from '../errors.js';

/**
 * Single sign-on through OpenID Connect, with `openid-client` (discovery, authorization code with
 * PKCE, state and nonce, the ID token's signature, issuer, audience and times) and `jose` (the
 * back-channel logout token, which openid-client does not check). This module holds the protocol
 * and the rules; the sign-in itself is commands/account/sso-sign-in.ts.
 */

/** How long a sign-in may take at the provider (the login state's life). */
export const LOGIN_STATE_MS = 10 * 60_000;
/** The one callback address every provider is registered with: PUBLIC_URL + this. */
export const CALLBACK_PATH = '/api/auth/sso/callback';
/** Where providers post logout tokens (register PUBLIC_URL + this at the provider). */
export const BACKCHANNEL_PATH = '/api/auth/sso/backchannel-logout';

type ConfigOf = Pick<Config, 'ssoAllowHttp' | 'publicUrl'> & SecretKeyConfig;

export const sealClientSecret = (config: SecretKeyConfig, providerId: string, secret: string) => sealSecret(config, secret, `sso:${providerId}`);

const discovered = new Map<string, { at: number; meta: Promise<oidc.ServerMetadata> }>();
const CACHE_MS = 60 * 60_000;

/**
 * The provider's configuration: its discovery document (fetched once an hour per provider version,
 * forgotten after a failure; the discovered issuer must equal the configured one exactly), this
 * client's credentials, and the server's clock for judging the ID token's times. A client's
 * provider (an address its Manager typed) is reached only at public addresses (auth/public-fetch.ts);
 * the firm's may be on the firm's own network.
 */
export async function configurationOf(
  config: ConfigOf,
  p: Pick<SsoProviderRow, 'id' | 'client_id' | 'issuer' | 'oidc_client_id' | 'client_secret_enc' | 'token_auth_method' | 'updated_at'>,
  now: number,
): Promise<oidc.Configuration> {
  const fetch = p.client_id === null ? undefined : (publicOnlyFetch(config.ssoAllowHttp) as oidc.CustomFetch);
  const secret = openSecret(config, p.client_secret_enc, `sso:${p.id}`);
  const auth = p.token_auth_method === 'client_secret_post' ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret);
  const timing: Partial<oidc.ClientMetadata> = { [oidc.clockSkew]: Math.round((now - Date.now()) / 1000), [oidc.clockTolerance]: 30 };
  const key = `${p.id}:${p.updated_at}`;
  let hit = discovered.get(key);
  if (!hit || Date.now() - hit.at > CACHE_MS) {
    const meta = oidc
      .discovery(new URL(p.issuer), p.oidc_client_id, timing, auth, {
        ...(config.ssoAllowHttp && { execute: [oidc.allowInsecureRequests] }),
        ...(fetch && { [oidc.customFetch]: fetch }),
        timeout: 10,
      })
      .then((c) => c.serverMetadata());
    meta.catch(() => discovered.delete(key));
    discovered.set(key, (hit = { at: Date.now(), meta }));
  }
  const c = new oidc.Configuration(await hit.meta, p.oidc_client_id, timing, auth);
  if (config.ssoAllowHttp) oidc.allowInsecureRequests(c);
  if (fetch) c[oidc.customFetch] = fetch;
  return c;
}

/** The redirect to the provider, and what the callback must find again (kept server-side, single use). */
export async function authorizationRequest(c: oidc.Configuration, config: Pick<Config, 'publicUrl'>, scopes: string, loginHint?: string) {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(c, {
    redirect_uri: config.publicUrl + CALLBACK_PATH,
    scope: scopes,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...(loginHint && { login_hint: loginHint }),
  });
  return { url, codeVerifier, state, nonce };
}

export type SsoClaims = oidc.IDToken;
export type Exchange = { ok: true; claims: SsoClaims; idToken: string } | { ok: false; reason: string };

/**
 * The callback: the code exchanged (with the PKCE verifier), the state, the `iss` parameter and
 * the ID token (signature, issuer, audience, times, nonce) checked. The address checked is built
 * from PUBLIC_URL, never from the request's Host.
 */
export async function exchangeCode(
  c: oidc.Configuration,
  config: Pick<Config, 'publicUrl'>,
  query: string,
  expected: { codeVerifier: string; state: string; nonce: string },
): Promise<Exchange> {
  try {
    const tokens = await oidc.authorizationCodeGrant(c, new URL(`${config.publicUrl}${CALLBACK_PATH}?${query}`), {
      pkceCodeVerifier: expected.codeVerifier,
      expectedState: expected.state,
      expectedNonce: expected.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) return { ok: false, reason: 'no_id_token' };
    return { ok: true, claims, idToken: tokens.id_token };
  } catch (e) {
    return { ok: false, reason: refusalReason(e) };
  }
}

/** A stable audit reason for what openid-client refused. */
export function refusalReason(e: unknown): string {
  if (e instanceof oidc.AuthorizationResponseError) return `provider_error:${e.error}`;
  if (e instanceof oidc.ResponseBodyError) return `token_error:${e.error}`;
  if (e instanceof oidc.WWWAuthenticateChallengeError) return 'client_auth_failed';
  if (e instanceof oidc.ClientError) {
    const inner = e.cause instanceof Error ? e.cause.message : '';
    if (e.code === 'OAUTH_INVALID_RESPONSE' && inner.includes('"state"')) return 'state_mismatch';
    if (e.code === 'OAUTH_INVALID_RESPONSE' && inner.includes('"iss"')) return 'issuer_mismatch';
    if (e.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') return 'token_expired';
    if (e.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
      const claim = (e.cause as { cause?: { claim?: string } } | undefined)?.cause?.claim;
      return claim === 'nonce'
        ? 'nonce_mismatch'
        : claim === 'aud'
          ? 'audience_mismatch'
          : claim === 'iss'
            ? 'issuer_mismatch'
            : `claim_mismatch:${claim ?? '?'}`;
    }
    if (e.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') return 'discovery_issuer_mismatch';
    return `client_error:${e.code ?? '?'}`;
  }
  return 'provider_unreachable';
}

/**
 * The staff role the provider's claim maps to, or null (no access). The claim may be a string or a
 * list; admin wins over analyst when both match. `matched` is the one value that decided.
 */
export function mapStaffRole(p: Pick<SsoProviderRow, 'role_claim' | 'role_map'>, claims: Record<string, unknown>): { role: StaffRole; matched: string } | null {
  const raw = p.role_claim ? claims[p.role_claim] : undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  const map = JSON.parse(p.role_map) as Partial<Record<StaffRole, string[]>>;
  for (const role of ['admin', 'analyst'] as const) {
    const matched = values.find((v) => map[role]?.includes(v));
    if (matched) return { role, matched };
  }
  return null;
}

/** Authentication methods that are a second factor (RFC 8176), besides the umbrella `mfa`. */
const SECOND_FACTORS = ['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face', 'iris', 'sc', 'pop'];

/** Whether the provider says the person used more than a password (`amr`), when the provider's MFA is trusted at all. */
export function providerDidMfa(p: Pick<SsoProviderRow, 'trust_provider_mfa'>, claims: SsoClaims): boolean {
  if (p.trust_provider_mfa !== 1) return false;
  const amr = Array.isArray(claims.amr) ? claims.amr : [];
  return amr.some((m) => typeof m === 'string' && SECOND_FACTORS.includes(m));
}

/** The e-mail a provider vouches for: present, and marked verified by it. */
export function verifiedEmail(claims: SsoClaims): string | null {
  return typeof claims.email === 'string' && claims.email_verified === true ? claims.email.trim().toLowerCase() : null;
}

export const emailDomain = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/** Which kind of person a provider may sign in: the firm's, staff; a client's, that client's people. */
export function providerReaches(p: Pick<SsoProviderRow, 'client_id'>, user: Pick<UserRow, 'kind' | 'client_id'>): 'ok' | 'wrong_account_kind' | 'other_client' {
  if (p.client_id === null) return user.kind === 'staff' ? 'ok' : 'wrong_account_kind';
  if (user.kind !== 'portal') return 'wrong_account_kind';
  return user.client_id === p.client_id ? 'ok' : 'other_client';
}

/**
 * Whether the firm's SSO-only rule refuses this person every other way in (password, a passkey
 * alone, a password reset): staff, while the firm requires single sign-on, but its break-glass admin.
 */
export function ssoOnlyRefuses(user: Pick<UserRow, 'id' | 'kind'>, firm: Pick<FirmRow, 'sso_only_staff' | 'break_glass_user_id'> | undefined): boolean {
  return user.kind === 'staff' && firm?.sso_only_staff === 1 && firm.break_glass_user_id !== user.id;
}

/**
 * While staff sign in only by single sign-on, the break-glass administrator is the way in when the
 * provider is down: they may not be removed, demoted, or left without a second factor.
 */
export function guardBreakGlass(userId: string, firm: Pick<FirmRow, 'sso_only_staff' | 'break_glass_user_id'> | undefined, what: string): void {
  if (firm?.sso_only_staff === 1 && firm.break_glass_user_id === userId) {
    throw conflict(
      `This administrator is the break-glass account while staff sign in only by single sign-on, so ${what} is refused. Name another break-glass administrator first.`,
    );
  }
}

const BCL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const jwksOf = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>();

/**
 * A back-channel logout token (OpenID Back-Channel Logout 1.0): signed by this provider's keys, for
 * this client, recent, with the logout event, no nonce, and a subject or a session id.
 */
export async function verifyLogoutToken(c: oidc.Configuration, token: string, now: number) {
  const meta = c.serverMetadata();
  if (!meta.jwks_uri) throw new Error('no jwks_uri');
  const fetch = c[oidc.customFetch] as jose.FetchImplementation | undefined;
  const key = `${fetch ? 'public' : 'any'} ${meta.jwks_uri}`;
  let jwks = jwksOf.get(key);
  if (!jwks) jwksOf.set(key, (jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri), fetch && { [jose.customFetch]: fetch })));
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: meta.issuer,
    audience: c.clientMetadata().client_id,
    algorithms: (meta.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) => a !== 'none'),
    requiredClaims: ['iat', 'jti', 'events'],
    maxTokenAge: '5m',
    clockTolerance: 30,
    currentDate: new Date(now),
  });
  if (protectedHeader.typ !== undefined && !['logout+jwt', 'JWT'].includes(protectedHeader.typ)) throw new Error('typ');
  const events = payload.events as Record<string, unknown> | undefined;
  if (!events || typeof events !== 'object' || !(BCL_EVENT in events)) throw new Error('events');
  if ('nonce' in payload) throw new Error('nonce');
  const sid = typeof payload.sid === 'string' ? payload.sid : null;
  if (!payload.sub && !sid) throw new Error('sub or sid');
  return { sub: payload.sub ?? null, sid, jti: payload.jti!, exp: payload.exp ?? Math.floor(now / 1000) + 300 };
}

/** Where to send the browser to sign out at the provider too, if it offers that (RP-initiated logout). */
export function endSessionUrl(c: oidc.Configuration, config: Pick<Config, 'publicUrl'>, idTokenHint: string | null): string | null {
  if (!c.serverMetadata().end_session_endpoint) return null;
  return oidc
    .buildEndSessionUrl(c, {
      post_logout_redirect_uri: `${config.publicUrl}/login`,
      client_id: c.clientMetadata().client_id,
      ...(idTokenHint && { id_token_hint: idTokenHint }),
    })
    .toString();
}
