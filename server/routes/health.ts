import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { createReadiness } from '../readiness.js';
import { redisAnswers } from '../cluster/redis.js';

/** SHA-256 of a string: both sides of a token comparison get the same length, so timingSafeEqual never leaks it. */
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether `Authorization: Bearer <token>` carries the metrics token, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * The operator's endpoints, outside /api (no session, no CSRF), never cached:
 * - `/healthz`: the process is alive and serving. It writes nothing and asks no database (a probe
 *   that restarts Debrief when it fails must not restart it for a full disk or a database away);
 *   with several instances it also says whether Redis answers (informational: still 200).
 * - `/readyz`: this instance can take writes now (server/readiness.ts): 200, or 503 naming the
 *   failing checks.
 * - `/metrics`: Prometheus' text format, only with METRICS_TOKEN set (404 otherwise) and given as a
 *   bearer token (401 otherwise).
 */
export function healthRouter(deps: AppDeps): Router {
  const { metrics } = deps;
  const router = Router();
  const readiness = createReadiness(deps);
  router.use(['/healthz', '/readyz', '/metrics'], (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.get('/healthz', async (_req, res) => {
    // Several instances: Redis carries presence, typing and shared limits, not the data or the
    // feed, so the instance serves while Redis is away and says so.
    res.json(deps.redis ? { status: 'ok', redis: (await redisAnswers(deps.redis)) ? 'up' : 'down' } : { status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const failing = await readiness();
    if (failing.length) res.status(503).json({ status: 'unavailable', failing });
    else res.json({ status: 'ready' });
  });

  router.get('/metrics', async (req, res) => {
    const token = deps.config.metricsToken;
    if (!token) return void res.status(404).type('text/plain').send('Not found\n');
    if (!bearerMatches(req.get('authorization'), token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return void res.status(401).type('text/plain').send('Unauthorized\n');
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
