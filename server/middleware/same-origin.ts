import type { RequestHandler } from 'express';
import { forbidden } from '../errors.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for cookie sessions: a state-changing request must come from our own pages.
 * Browsers send Sec-Fetch-Site; where they don't, the Origin must equal PUBLIC_URL exactly.
 * A request with neither is refused (no browser sends a cross-site POST without them).
 */
export function sameOrigin(publicUrl: string): RequestHandler {
  return (req, _res, next) => {
    if (SAFE.has(req.method)) return next();
    const site = req.get('sec-fetch-site');
    if (site !== undefined) return site === 'same-origin' ? next() : next(forbidden('Cross-site requests are not allowed.'));
    if (req.get('origin') === publicUrl) return next();
    next(forbidden('Cross-site requests are not allowed.'));
  };
}
