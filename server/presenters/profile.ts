import type { SessionRow, UserRow } from '../../db/schema.js';
import { mailEveryFrom, notifyPrefsFrom, type ProfileDTO, type SessionInfoDTO } from '../contracts/profile.js';
import { hashSecretHex } from '../auth/tokens.js';

/** The person's own profile (never a hash, secret or file path). */
export function presentProfile(u: Pick<UserRow, 'id' | 'name' | 'email' | 'kind' | 'role' | 'avatar_file' | 'notify_prefs'>): ProfileDTO {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    kind: u.kind,
    role: u.role,
    avatarUrl: u.avatar_file ? `/api/users/${u.id}/avatar?v=${hashSecretHex(u.avatar_file).slice(0, 12)}` : null,
    notifyPrefs: notifyPrefsFrom(u.notify_prefs),
    mailEvery: mailEveryFrom(u.notify_prefs),
  };
}

/**
 * The id a browser sees for a session. The real id is half of the cookie token, so it never
 * leaves the server; this is a one-way digest of it, stable for the session's life.
 */
export function publicSessionId(sessionId: string): string {
  return hashSecretHex(sessionId).slice(0, 16);
}

/** One of the person's sessions; `currentId` is the session asking. */
export function presentSession(s: SessionRow, currentId: string): SessionInfoDTO {
  return {
    id: publicSessionId(s.id),
    current: s.id === currentId,
    createdAt: s.created_at,
    lastActiveAt: s.last_active_at,
    ip: s.ip,
    userAgent: s.user_agent,
    device: deviceLabel(s.user_agent),
  };
}

/** "Firefox on Windows" from a user agent: a hint for people, never used for any decision. */
function deviceLabel(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = [
    ['Edge', /Edg(e|A|iOS)?\//],
    ['Opera', /OPR\//],
    ['Firefox', /Firefox\/|FxiOS/],
    ['Chrome', /Chrom(e|ium)\/|CriOS/],
    ['Safari', /Safari\//],
  ] as const;
  const os = [
    ['iOS', /iPhone|iPad|iPod/],
    ['Android', /Android/],
    ['Windows', /Windows/],
    ['macOS', /Macintosh|Mac OS X/],
    ['ChromeOS', /CrOS/],
    ['Linux', /Linux/],
  ] as const;
  const b = browser.find(([, re]) => re.test(ua))?.[0];
  const o = os.find(([, re]) => re.test(ua))?.[0];
  if (b && o) return `${b} on ${o}`;
  return b ?? o ?? (ua.length > 40 ? `${ua.slice(0, 40)}…` : ua);
}
