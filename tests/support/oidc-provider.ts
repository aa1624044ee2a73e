import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import * as jose from 'jose';
import { Agent } from './http.js';

/**
 * A real OpenID provider for the tests (`oidc-provider` 8, the newest that supports Node 20) on a
 * loopback port over http (Debrief runs with SSO_ALLOW_HTTP=true). PKCE is required. A tiny
 * interaction route stands in for its login and consent pages: it signs in the account the test
 * picked (`signInAs`), or refuses one the test disabled. `Browser` follows the redirects with a
 * cookie jar, as a person's browser would, without a browser.
 */

export interface TestAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
  groups?: string[];
  amr?: string[];
  acr?: string;
  disabled?: boolean;
}

export interface TestProvider {
  issuer: string;
  /** The next sign-in at the provider is this account. */
  signInAs(account: TestAccount): void;
  /** Until set back to null, the ID tokens the token endpoint answers are re-signed with the provider's own key after `change` (wrong audience, issuer…). */
  tamperIdTokens(change: ((claims: Record<string, unknown>) => Record<string, unknown>) | null): void;
  /** A back-channel logout token signed with the provider's key (or `otherKey`), for the bad-token cases. */
  signLogoutToken(claims: Record<string, unknown>, opts?: { otherKey?: boolean; typ?: string }): Promise<string>;
  provider: any;
  close(): Promise<void>;
}

export async function startProvider(
  clients: Record<string, unknown>[],
  idTokenTtlSeconds = 3600,
  opts: { backchannelLogout?: boolean } = {},
): Promise<TestProvider> {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, TestAccount>();
  let next: TestAccount | null = null;
  let tamper: ((claims: Record<string, unknown>) => Record<string, unknown>) | null = null;
  const sign = (claims: Record<string, unknown>, typ = 'JWT') =>
    new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ }).sign(privateKey);
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-cookie-key'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, backchannelLogout: { enabled: opts.backchannelLogout ?? true }, rpInitiatedLogout: { enabled: true } },
    acrValues: ['urn:mfa', 'urn:pwd'],
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    conformIdTokenClaims: false,
    ttl: { IdToken: idTokenTtlSeconds, Session: 3600, Grant: 3600, Interaction: 600, AccessToken: 600, AuthorizationCode: 60 },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, id: string) {
      const a = accounts.get(id);
      if (!a) return undefined;
      return {
        accountId: id,
        async claims() {
          const { amr: _amr, acr: _acr, disabled: _d, ...claims } = a;
          return claims;
        },
      };
    },
  });
  server.on('request', async (req, res) => {
    const change = tamper;
    if (change && req.url?.startsWith('/token')) {
      // Catch the token endpoint's answer and re-sign its ID token (a provider gone wrong, or a token meant for someone else).
      const chunks: Buffer[] = [];
      res.write = ((c: Buffer | string) => chunks.push(Buffer.from(c)) > 0) as typeof res.write;
      const end = res.end.bind(res);
      res.end = ((c?: Buffer | string) => {
        if (c) chunks.push(Buffer.from(c));
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { id_token?: string };
        void (async () => {
          if (body.id_token) body.id_token = await sign(change(jose.decodeJwt(body.id_token) as Record<string, unknown>));
          const out = JSON.stringify(body);
          res.setHeader('content-length', Buffer.byteLength(out));
          end(out);
        })();
        return res;
      }) as typeof res.end;
    }
    if (!/^\/interaction\/[^/?]+/.test(req.url ?? '')) return provider.callback()(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      const a = next!;
      if (a.disabled) {
        return await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'account disabled' },
          { mergeWithLastSubmission: false },
        );
      }
      const result: Record<string, unknown> = {};
      if (details.prompt.name === 'login') result.login = { accountId: a.sub, amr: a.amr, acr: a.acr };
      else if (details.prompt.name === 'consent') {
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
        if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
        result.consent = { grantId: await grant.save() };
      }
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  return {
    issuer,
    provider,
    tamperIdTokens(change) {
      tamper = change;
    },
    async signLogoutToken(claims, o = {}) {
      if (!o.otherKey) return sign(claims, o.typ ?? 'logout+jwt');
      const { privateKey: other } = await jose.generateKeyPair('RS256');
      return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: o.typ ?? 'logout+jwt' }).sign(other);
    },
    signInAs(account) {
      accounts.set(account.sub, account);
      next = account;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A browser without a browser: a cookie jar (cookies ignore ports, so one jar serves Debrief and the provider) and manual redirects. */
export class Browser {
  readonly jar = new Map<string, string>();

  async get(url: string): Promise<globalThis.Response> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv!.indexOf('=');
      const [k, v] = [kv!.slice(0, i), kv!.slice(i + 1)];
      if (/max-age=0\b/i.test(c) || v === '') this.jar.delete(k);
      else this.jar.set(k, v);
    }
    return res;
  }

  /** Follow redirects from `url` until one points at an address starting with `stop` (not followed), or a page answers. */
  async follow(url: string, stop?: string): Promise<{ url: string; res: globalThis.Response | null }> {
    for (let i = 0; i < 12; i++) {
      if (stop && url.startsWith(stop)) return { url, res: null };
      const res = await this.get(url);
      const location = res.headers.get('location');
      if (!location || res.status < 300 || res.status >= 400) return { url, res };
      url = new URL(location, url).href;
    }
    throw new Error('too many redirects');
  }
}

/** How Debrief is registered at the provider: its callback, back-channel logout and post-logout addresses. */
export function debriefAtProvider(appUrl: string, clientId = 'debrief', secret = 'a-client-secret-for-the-tests'): Record<string, unknown> {
  return {
    client_id: clientId,
    client_secret: secret,
    redirect_uris: [`${appUrl}/api/auth/sso/callback`],
    post_logout_redirect_uris: [`${appUrl}/login`],
    token_endpoint_auth_method: 'client_secret_basic',
    backchannel_logout_uri: `${appUrl}/api/auth/sso/backchannel-logout`,
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
}

/**
 * Through the provider to Debrief's callback, as a browser would: `tamper` may change the callback's
 * address and `beforeCallback` run before it is followed. Answers where Debrief sent the browser,
 * and an agent holding the session cookie it set (if any).
 */
export async function signInThrough(
  appUrl: string,
  op: TestProvider,
  providerId: string,
  who: TestAccount,
  opts: { tamper?: (u: URL) => void; beforeCallback?: () => Promise<void>; browser?: Browser; query?: string } = {},
) {
  op.signInAs(who);
  const browser = opts.browser ?? new Browser();
  const { url } = await browser.follow(`${appUrl}/api/auth/sso/${providerId}/start${opts.query ?? ''}`, `${appUrl}/api/auth/sso/callback`);
  const callback = new URL(url);
  opts.tamper?.(callback);
  await opts.beforeCallback?.();
  const res = await browser.get(callback.href);
  const agent = new Agent(appUrl);
  const cookie = browser.jar.get('debrief_session');
  if (cookie) agent.cookie = `debrief_session=${cookie}`;
  return { status: res.status, location: res.headers.get('location'), agent, browser, callback };
}
