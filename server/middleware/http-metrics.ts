import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../metrics.js';

/**
 * The route a request matched, as its Express pattern (`/api/findings/:id`), never the raw path:
 * ids, tokens and names stay out of the metrics. The API's routers are mounted under `/api`
 * (server/app.ts); `req.route` is the matched route, kept on the request to the end (while
 * `req.baseUrl` is reset when an error leaves the router). Nothing matched: a fixed word.
 */
function routeOf(req: Request): string {
  const api = req.originalUrl === '/api' || req.originalUrl.startsWith('/api/') || req.originalUrl.startsWith('/api?');
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return `${api ? '/api' : ''}${pattern}`;
  return api ? '/api (no route)' : '(static or none)';
}

/** Time every request into the HTTP histogram by method, route pattern and status class (2xx, 4xx…). */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => end({ method: req.method, route: routeOf(req), status_class: `${Math.floor(res.statusCode / 100)}xx` }));
    next();
  };
}
