import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * An error's own code (`err.code`: ENOSPC, SQLITE_FULL, a SQLSTATE) is what an operator needs to
 * tell a full disk from a bug, and it is never a secret: `*.code` (a TOTP code in a body) spares it.
 */
const isErrorCode = (path: string[]) => path.length === 2 && path[0] === 'err' && path[1] === 'code';

/**
 * Structured JSON logs, one line per event. Redaction is a safety net: code never logs
 * passwords, tokens, cookies or TOTP material in the first place.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'password',
          '*.password',
          'currentPassword',
          '*.currentPassword',
          'newPassword',
          '*.newPassword',
          'token',
          '*.token',
          'code',
          '*.code',
          'secret',
          '*.secret',
          'cookie',
          '*.cookie',
          'req.headers.cookie',
          'headers.cookie',
          'res.headers["set-cookie"]',
          'authorization',
          '*.authorization',
        ],
        censor: (value: unknown, path: string[]) => (isErrorCode(path) ? value : '[redacted]'),
      },
    },
    destination,
  );
}
