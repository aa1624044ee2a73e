import type { ErrorRequestHandler } from 'express';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import { writeAudit } from '../audit.js';
import { deniedEntry } from '../audit-text.js';
import { isRefusal } from '../errors.js';

/** Where each refusal was thrown: the endpoint and the id its path named (noted by `serve`, read below). */
const places = new WeakMap<object, { route: string; target?: { type: string; id: string } }>();

/** Note the endpoint and path id of a refusal thrown by its handler (anything else is ignored). */
export function noteRefusalPlace(err: unknown, route: string, params: Record<string, string | string[] | undefined>): void {
  if (!isRefusal(err)) return;
  const [name, id] = Object.entries(params).find((e): e is [string, string] => typeof e[1] === 'string') ?? [];
  places.set(err, { route, ...(name && id !== undefined && { target: { type: targetTypeOf(route, name), id } }) });
}

/** What a path parameter names: `:findingId` a finding; `:id` what the segment before it names (`/reports/:id`: a report). */
function targetTypeOf(route: string, param: string): string {
  if (param !== 'id') return param.replace(/Id$/, '');
  const segments = route.split('/');
  return (segments[segments.indexOf(':id') - 1] ?? 'resource').replace(/s$/, '');
}

/**
 * An access rule's refusal (403, or the 404 that hides another client's data) is written to the
 * audit trail as `authz.denied`: who, which route, and the status, then answered as usual. One
 * cheap insert; a refusal already audited where it was caught (a download) is not marked any more.
 * The route is the endpoint's pattern (`GET /api/findings/:id`), the target the id its path named.
 */
export function auditRefusals(deps: Pick<AppDeps, 'db' | 'clock'>): ErrorRequestHandler {
  return (err, req, _res, next) => {
    if (!isRefusal(err) || !req.viewer) return next(err);
    const place = places.get(err) ?? { route: `${req.method} ${req.baseUrl}${req.path}` };
    writeAudit(deps.db, auditContextOf(req), deniedEntry(err, place.route, place.target), deps.clock()).then(
      () => next(err),
      (auditErr: unknown) => {
        req.log.error({ err: auditErr }, 'authz.denied could not be audited');
        next(err);
      },
    );
  };
}
