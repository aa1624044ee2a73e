import { serve } from './endpoint.js';
import express, { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../context.js';
import { createLimiter, perAddressTurns } from '../auth/rate-limit.js';
import { readCookie } from '../auth/cookie.js';
import { commandContextOf } from '../middleware/command-context.js';
import { originContextOf, setSessionCookie } from '../middleware/origin-context.js';
import { conflict, notFound } from '../errors.js';
import { findClient } from '../repositories/clients.js';
import { BACKCHANNEL_PATH, CALLBACK_PATH, LOGIN_STATE_MS } from '../auth/sso.js';
import { discoverProvider, finishSsoSignIn, ssoOffer, startSsoSignIn } from '../commands/account/sso-sign-in.js';
import { backchannelLogout } from '../commands/account/sso-logout.js';
import { configureClientSso, configureFirmSso, presentProvider, readClientSso, removeClientSso } from '../commands/firm/configure-sso.js';
import { setSsoPolicy, ssoPolicy } from '../commands/firm/set-sso-policy.js';
import { authorize } from '../policies/index.js';
import { isArchived } from '../policies/access.js';
import { readableClient } from '../queries/clients/read.js';
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
  const turns = perAddressTurns(deps, { name: 'sso-ip', burst: 30, perSecond: 0.5 });
  const takeTurn = (req: Request) => turns(req.ip);

  serve(r, 'GET /auth/sso', () => ssoOffer(deps));

  // Which organisation's provider an address belongs to (limited like a sign-in: it answers for domains).
  serve(r, 'POST /auth/sso/discover', async ({ req, input }) => {
    await takeTurn(req);
    return discoverProvider(deps, input().email);
  });

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
    return { provider: p ? presentProvider(p, deps.config.publicUrl) : null, policy: await ssoPolicy(deps) };
  });

  serve(r, 'PUT /admin/sso', async ({ req, input }) => {
    const ctx = commandContextOf(req, { kind: 'staff', role: 'admin' });
    return { provider: await configureFirmSso(deps, ctx, input()) };
  });

  serve(r, 'PUT /admin/sso/policy', async ({ req, input }) => {
    const ctx = commandContextOf(req, { kind: 'staff', role: 'admin' });
    return await setSsoPolicy(deps, ctx, input());
  });

  // A client's own provider: the firm's admins (any client they reach), or the client's Manager (always their own).
  const staffSide = async (req: Request<{ clientId: string }>) => {
    const ctx = commandContextOf(req); // a client record: not found for every portal user (readableClient)
    const client = await readableClient(deps, ctx, req.params.clientId);
    authorize(ctx.viewer.user, 'clientSso.manage', { type: 'clientUsers', clientId: client.id });
    return { ctx, client };
  };
  const managerSide = async (req: Request) => {
    const ctx = commandContextOf(req, { kind: 'portal' });
    const client = await findClient(deps.db, ctx.viewer.user.client_id!);
    if (!client) throw notFound();
    authorize(ctx.viewer.user, 'clientSso.manage', { type: 'clientUsers', clientId: client.id });
    return { ctx, client };
  };
  const changeable = (client: { archived_at: number | null }) => {
    if (isArchived(client)) throw conflict('This client is archived; its settings can no longer change.');
  };
  for (const [prefix, side] of [
    ['/clients/:clientId', staffSide],
    ['/portal', managerSide],
  ] as const) {
    serve(r, `GET ${prefix}/sso`, async ({ req }) => {
      const { client } = await side(req as Request<{ clientId: string }>);
      return { provider: await readClientSso(deps, client.id) };
    });
    serve(r, `PUT ${prefix}/sso`, async ({ req, input }) => {
      const { ctx, client } = await side(req as Request<{ clientId: string }>);
      changeable(client);
      return { provider: await configureClientSso(deps, ctx, client.id, input()) };
    });
    serve(r, `DELETE ${prefix}/sso`, async ({ req }) => {
      const { ctx, client } = await side(req as Request<{ clientId: string }>);
      changeable(client);
      return removeClientSso(deps, ctx, client.id);
    });
  }

  return r;
}

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
