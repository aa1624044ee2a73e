import type { ErrorRequestHandler } from 'express';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import { writeAudit } from '../audit.js';
import { deniedEntry } from '../audit-text.js';
import { isRefusal } from '../errors.js';

/**
 * An access rule's refusal (403, or the 404 that hides another client's data) is written to the
 * audit trail as `authz.denied`: who, which route, and the status, then answered as usual. One
 * cheap insert; a refusal already audited where it was caught (a download) is not marked any more.
 * The route is the matched pattern (`/api/findings/:id`), the target the id from the path.
 */
export function auditRefusals(deps: Pick<AppDeps, 'db' | 'clock'>): ErrorRequestHandler {
  return (err, req, _res, next) => {
    if (!isRefusal(err) || !req.viewer) return next(err);
    const route = typeof req.route?.path === 'string' ? `${req.baseUrl}${req.route.path}` : req.path;
    const id = Object.values(req.params ?? {}).find((v): v is string => typeof v === 'string');
    writeAudit(deps.db, auditContextOf(req), deniedEntry(err, `${req.method} ${route}`, id), deps.clock()).then(
      () => next(err),
      (auditErr: unknown) => {
        req.log.error({ err: auditErr }, 'authz.denied could not be audited');
        next(err);
      },
    );
  };
}
