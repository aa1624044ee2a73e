import type { Request, Response } from 'express';
import { auditContextOf } from '../context.js';
import type { Config } from '../config.js';
import type { OriginContext } from '../commands/account/origin.js';
import { sessionCookieOf, type IssuedSession } from '../auth/sign-in.js';
import { clearSessionCookie } from '../auth/cookie.js';

/** The origin context of an HTTP request, signed in or not: the HTTP adapter of `OriginContext`. */
export function originContextOf(req: Request): OriginContext {
  return { audit: auditContextOf(req), sessionId: req.viewer?.session.id ?? null };
}

/** Give the browser a session an account flow issued (the token travels only in this cookie). */
export function setSessionCookie(res: Response, config: Pick<Config, 'secureCookies'>, issued: IssuedSession): void {
  res.append('Set-Cookie', sessionCookieOf(config, issued));
}

/** Delete the browser's session cookie. */
export function unsetSessionCookie(res: Response, config: Pick<Config, 'secureCookies'>): void {
  res.append('Set-Cookie', clearSessionCookie(config.secureCookies));
}
