/**
 * Free-form text that goes into an audit row (a user agent, a claimed e-mail, a route): control
 * characters are written as visible escapes (`\n`, `\x1b`, `\u2028`), so a CR/LF or an ANSI
 * sequence can never forge a line or repaint a terminal when the log is read or exported, and the
 * result is capped so one request can't fill the log (security anchors G4).
 */

/** The longest free-form value an audit row keeps. */
const AUDIT_TEXT_MAX = 512;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// C0 and C1 controls, DEL, and the line/paragraph separators some readers treat as newlines.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const escapeOne = (c: string) =>
  NAMED[c] ?? (c.charCodeAt(0) > 0xff ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** The value as an audit row may hold it: escaped, then capped at `max` characters (a cut is marked with `…`). */
export function auditText(value: string, max?: number): string;
export function auditText(value: string | null | undefined, max?: number): string | null;
export function auditText(value: string | null | undefined, max = AUDIT_TEXT_MAX): string | null {
  if (value === null || value === undefined) return null;
  // Cut first (bounded work on a 100 KB header), escape, then cut again to the cap.
  const escaped = value.slice(0, max).replace(CONTROL, escapeOne);
  return escaped.length > max || value.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

/** The row of an access rule's refusal (`authz.denied`): the route or socket event, the status answered, the id it named. */
export function deniedEntry(err: { status: number; code: string }, where: string, target?: { type: string; id: string }) {
  return {
    action: 'authz.denied' as const,
    outcome: 'denied' as const,
    ...(target && { targetType: auditText(target.type, 64), targetId: auditText(target.id, 128) }),
    details: { route: auditText(where, 256), status: err.status, code: err.code },
  };
}
