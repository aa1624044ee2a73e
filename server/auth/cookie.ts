/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/; Secure with the `__Host-` prefix whenever
 * the portal is served over https (the prefix makes the browser refuse a cookie set by a
 * sibling subdomain or over http).
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-debrief_session' : 'debrief_session';
}

/** A Set-Cookie value carrying the token; `maxAgeMs` bounds it to the session's absolute lifetime. */
export function serializeSessionCookie(token: string, secure: boolean, maxAgeMs: number): string {
  const parts = [`${sessionCookieName(secure)}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** A Set-Cookie value that deletes the session cookie. */
export function clearSessionCookie(secure: boolean): string {
  return serializeSessionCookie('', secure, 0);
}

/** Read the session token from a Cookie header (no decoding: tokens are base32 and a dot). */
export function readSessionCookie(header: string | undefined, secure: boolean): string | null {
  return readCookie(header, sessionCookieName(secure), /^[a-z0-9]+\.[a-z0-9]+$/);
}

/** A cookie's value from a Cookie header, if it is there and has the expected shape (else null). */
export function readCookie(header: string | undefined, name: string, shape: RegExp): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return shape.test(value) ? value : null;
    }
  }
  return null;
}
