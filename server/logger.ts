import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

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
        censor: '[redacted]',
      },
    },
    destination,
  );
}
