import { serve } from './endpoint.js';
import express, { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../context.js';
import { createLimiter } from '../auth/rate-limit.js';
import { readCookie } from '../auth/cookie.js';
import { commandContextOf } from '../middleware/command-context.js';
import { originContextOf, setSessionCookie } from '../middleware/origin-context.js';
import { rateLimited } from '../errors.js';
import { CALLBACK_PATH, LOGIN_STATE_MS } from '../auth/sso.js';
import { finishSsoSignIn, ssoOffer, startSsoSignIn } from '../commands/account/sso-sign-in.js';
import { backchannelLogout } from '../commands/account/sso-logout.js';
import { configureFirmSso, presentProvider } from '../commands/firm/configure-sso.js';
import { setSsoPolicy } from '../commands/firm/set-sso-policy.js';
import { authorize } from '../policies/index.js';
import { findProviderOf } from '../repositories/sso.js';

/**
 * Single sign-on over HTTP. The start and the callback are browser navigations (redirects, not
 * JSON). The sign-in in flight is bound to a cookie (HttpOnly, SameSite=Lax so it comes back with
 * the provider's top-level redirect, sent only to the callback, ten minutes), used once.
 */
function bindingCookieName(secure: boolean): string {
  return secure ? '__Secure-debrief_sso' : 'debrief_sso';
}

function setBinding(res: Response, secure: boolean, value: string, maxAgeMs: number): void {
  const parts = [`${bindingCookieName(secure)}=${value}`, `Path=${CALLBACK_PATH}`, 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (secure) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

/** Where the callback sends the browser: on, to the step still owed; refused, to the sign-in page with a fixed word. */
const NEXT = { verify: '/login/mfa', enrol: '/mfa/setup', passkey: '/mfa/setup' } as const;

export function ssoRouter(deps: AppDeps): Router {
  const r = Router();
  const secure = deps.config.secureCookies;
  const perIp = createLimiter(deps, { name: 'sso-ip', burst: 30, perSecond: 0.5 });
  const takeTurn = async (req: Request) => {
    const turn = await perIp.take(req.ip ?? 'unknown');
    if (!turn.ok) throw rateLimited(turn.retryAfterSeconds);
  };

  serve(r, 'GET /auth/sso', () => ssoOffer(deps));

  r.get('/auth/sso/:providerId/start', async (req: Request, res: Response) => {
    await takeTurn(req);
    const hint = typeof req.query.login_hint === 'string' && req.query.login_hint.length <= 254 ? req.query.login_hint : undefined;
    const { url, binding } = await startSsoSignIn(deps, String(req.params.providerId), hint);
    setBinding(res, secure, binding, LOGIN_STATE_MS);
    res.redirect(303, url);
  });

  // Not rate-limited itself: it does nothing without a login state, which only a (limited) start makes.
  r.get('/auth/sso/callback', async (req: Request, res: Response) => {
    setBinding(res, secure, '', 0); // used once, whatever the outcome
    const binding = readCookie(req.headers.cookie, bindingCookieName(secure), /^[a-z0-9]{20,64}$/);
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    const outcome = await finishSsoSignIn(deps, originContextOf(req), binding, query);
    if (!outcome.ok) return res.redirect(303, `/login?sso=${outcome.refusal}`);
    setSessionCookie(res, deps.config, outcome.session);
    res.redirect(303, outcome.mfaStep ? NEXT[outcome.mfaStep] : '/');
  });

  serve(r, 'GET /admin/sso', async ({ req }) => {
    const ctx = commandContextOf(req, { kind: 'staff', role: 'admin' });
    authorize(ctx.viewer.user, 'firm.manage');
    const p = await findProviderOf(deps.db, 'firm');
    return { provider: p ? presentProvider(p, deps.config.publicUrl) : null };
  });

  serve(r, 'PUT /admin/sso', async ({ req, input }) => {
    const ctx = commandContextOf(req, { kind: 'staff', role: 'admin' });
    return { provider: await configureFirmSso(deps, ctx, input()) };
  });

  serve(r, 'PUT /admin/sso/policy', async ({ req, input }) => {
    const ctx = commandContextOf(req, { kind: 'staff', role: 'admin' });
    return await setSsoPolicy(deps, ctx, input());
  });

  return r;
}

/** Where providers post logout tokens (register PUBLIC_URL + this at the provider). */
export const BACKCHANNEL_PATH = '/api/auth/sso/backchannel-logout';

/**
 * The provider's back-channel logout: a server-to-server form post with no cookie and no Origin,
 * so it is mounted before the API's same-origin check; the signed token is its only credential.
 */
export function ssoBackchannelRouter(deps: AppDeps): Router {
  const r = Router();
  const perIp = createLimiter(deps, { name: 'sso-logout-ip', burst: 60, perSecond: 2 });
  r.post(BACKCHANNEL_PATH, express.urlencoded({ extended: false, limit: '16kb' }), async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    const turn = await perIp.take(req.ip ?? 'unknown');
    if (!turn.ok) return res.status(429).json({ error: 'rate_limited' });
    const token = typeof req.body?.logout_token === 'string' && req.body.logout_token.length <= 8192 ? req.body.logout_token : null;
    const { ok } = token ? await backchannelLogout(deps, token) : { ok: false };
    if (ok) res.status(200).end();
    else res.status(400).json({ error: 'invalid_request' });
  });
  return r;
}
