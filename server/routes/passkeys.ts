import { serve } from './endpoint.js';
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../context.js';
import { perAddressTurns } from '../auth/rate-limit.js';
import { commandContextOf } from '../middleware/command-context.js';
import { originContextOf, setSessionCookie } from '../middleware/origin-context.js';
import { finishPasskeyRegistration, startPasskeyRegistration } from '../commands/account/register-passkey.js';
import { removePasskey } from '../commands/account/remove-passkey.js';
import { finishPasskeySignIn, passwordlessAvailable, startPasskeySignIn, startPasskeyMfa, verifyPasskeyMfa } from '../commands/account/use-passkey.js';
import { CHALLENGE_MS } from '../auth/passkeys.js';
import { readCookie } from '../auth/cookie.js';

/**
 * Passkeys over HTTP: registering and removing one's own, the second factor by passkey, and the
 * passwordless sign-in. The passwordless ceremony has no session to bind its challenge to: a cookie
 * (HttpOnly, SameSite=Strict, only sent to its two endpoints, five minutes) carries the binding.
 */
const BINDING_PATH = '/api/auth/passkey/sign-in';

function bindingCookieName(secure: boolean): string {
  return secure ? '__Secure-debrief_passkey' : 'debrief_passkey';
}

function setBinding(res: Response, secure: boolean, value: string, maxAgeMs: number): void {
  const parts = [`${bindingCookieName(secure)}=${value}`, `Path=${BINDING_PATH}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (secure) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

const readBinding = (req: Request, secure: boolean) => readCookie(req.headers.cookie, bindingCookieName(secure), /^[a-z0-9]{20,64}$/);

export function passkeysRouter(deps: AppDeps): Router {
  const r = Router();
  const secure = deps.config.secureCookies;
  // Per address, as the password sign-in: a burst of 30 ceremonies, then one every 2 s.
  const turns = perAddressTurns(deps, { name: 'passkey-ip', burst: 30, perSecond: 0.5 });
  const takeTurn = (req: Request) => turns(req.ip);

  serve(r, 'GET /auth/passkey', () => passwordlessAvailable(deps));

  serve(r, 'POST /auth/passkey/sign-in/options', async ({ req, res }) => {
    await takeTurn(req);
    const { result, binding } = await startPasskeySignIn(deps);
    setBinding(res, secure, binding, CHALLENGE_MS);
    return result;
  });

  serve(r, 'POST /auth/passkey/sign-in', async ({ req, res, input }) => {
    await takeTurn(req);
    const body = input();
    setBinding(res, secure, '', 0); // used once, whatever the outcome
    const { result, session } = await finishPasskeySignIn(deps, originContextOf(req), readBinding(req, secure), body);
    setSessionCookie(res, deps.config, session);
    return result;
  });

  serve(r, 'POST /auth/passkey/mfa/options', async ({ req }) => startPasskeyMfa(deps, commandContextOf(req, { mfa: false })));

  serve(r, 'POST /auth/passkey/mfa', async ({ req, res, input }) => {
    const ctx = commandContextOf(req, { mfa: false });
    const { result, session } = await verifyPasskeyMfa(deps, ctx, input());
    setSessionCookie(res, deps.config, session);
    return result;
  });

  serve(r, 'POST /profile/passkeys/options', async ({ req, input }) => {
    const ctx = commandContextOf(req, { mfa: false });
    return await startPasskeyRegistration(deps, ctx, input());
  });

  serve(r, 'POST /profile/passkeys', async ({ req, res, input }) => {
    const ctx = commandContextOf(req, { mfa: false });
    const { result, session } = await finishPasskeyRegistration(deps, ctx, input());
    if (session) setSessionCookie(res, deps.config, session);
    return result;
  });

  serve(r, 'POST /profile/passkeys/:id/remove', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    await removePasskey(deps, ctx, String(req.params.id), input());
  });

  return r;
}
