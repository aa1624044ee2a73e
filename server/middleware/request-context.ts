import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

/** Paths whose last segment is a secret (invitation and reset links): logged as [redacted]. */
const SECRET_PATH = /^(\/(?:api\/invitations|api\/auth\/password-reset|invite|reset-password)\/)(?!accept$|confirm$)[^/]+/;

/** The path as it may be logged: no query string, no link secrets. */
export function loggablePath(originalUrl: string): string {
  return originalUrl.split('?')[0]!.replace(SECRET_PATH, '$1[redacted]');
}

/**
 * Give each request an id (echoed as X-Request-Id) and a child logger, and log one line when
 * the response finishes. Only the path is logged, never the query string, body or cookies.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    req.id = randomUUID();
    req.log = logger.child({ requestId: req.id });
    req.viewer = null;
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    // Read now: once the socket is gone, req.ip throws, and a throw in 'finish' would crash the process.
    const ip = req.ip;
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      req.log.info(
        { method: req.method, path: loggablePath(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10, ip, userId: req.viewer?.user.id },
        'request',
      );
    });
    next();
  };
}
