import type { AppDeps, CommandContext } from '../../context.js';
import { PAGE_ROUTES, PAGE_VIEW_REPEAT_MS, PAGE_VIEWS_PER_HOUR, type PageViewResult } from '../../contracts/page-routes.js';
import type { PageViewInput } from '../../contracts/realtime.js';
import { writeAudit } from '../../audit.js';
import { auditedRefusal, badRequest } from '../../errors.js';
import { pageObjectClient } from '../../queries/page-objects.js';
import { markPageView, takePageViewBudget } from '../../repositories/page-views.js';

const HOUR_MS = 3_600_000;

/**
 * A page the SPA shows, reported over the socket (`page:view`), recorded as `page.viewed` with
 * `source: 'browser'` (the browser said so; the server only checked it could be true). The route
 * must be one of the SPA's pages for the viewer's kind, with exactly its parameter, naming an
 * object the viewer may see now (checked as the page's own read checks it); anything else is
 * refused and writes nothing (no `authz.denied` row either: a report is not an access).
 * Throttled per session in the database, so it holds across instances: one row per page (route
 * and object) per minute, and at most PAGE_VIEWS_PER_HOUR rows an hour; the reports not recorded
 * are counted and written as one `page.views_dropped` row when the session's next hour opens.
 */
export async function recordPageView(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, input: PageViewInput): Promise<PageViewResult> {
  const { user, session } = ctx.viewer;
  const route = PAGE_ROUTES[input.route];
  if (!route || (route.audience !== 'any' && route.audience !== user.kind)) throw badRequest('Unknown page.');
  const names = Object.keys(input.params);
  const param = route.object?.param;
  if (names.length !== (param ? 1 : 0) || (param && names[0] !== param)) throw badRequest('The page’s parameters do not match its route.');
  const objectId = param ? input.params[param]! : null;
  let clientId = user.client_id;
  if (route.object && objectId) {
    try {
      clientId = await pageObjectClient(deps, ctx, route.object.kind, objectId);
    } catch (err) {
      auditedRefusal(err); // refused here; a page view is not an access worth its own row
      throw err;
    }
  }
  const now = deps.clock();
  const page = objectId ? `${input.route} ${objectId}` : input.route;
  return deps.db.transaction().execute(async (trx): Promise<PageViewResult> => {
    const fresh = await markPageView(trx, session.id, page, now, PAGE_VIEW_REPEAT_MS);
    const budget = await takePageViewBudget(trx, session.id, now, { windowMs: HOUR_MS, cap: PAGE_VIEWS_PER_HOUR, repeat: !fresh });
    if (budget.closedWindow) {
      // The last hour's reports that were not recorded, counted once (never a row per report).
      const { repeats, overCap, windowStart } = budget.closedWindow;
      await writeAudit(
        trx,
        { ...ctx.audit, source: 'browser' },
        { action: 'page.views_dropped', outcome: 'success', targetType: 'session', details: { repeats, overCap, since: new Date(windowStart).toISOString() } },
        now,
      );
    }
    if (!fresh) return { recorded: false, reason: 'repeat' };
    if (!budget.taken) return { recorded: false, reason: 'over_cap' };
    await writeAudit(
      trx,
      { ...ctx.audit, clientId, source: 'browser' },
      {
        action: 'page.viewed',
        outcome: 'success',
        ...(route.object && objectId && { targetType: route.object.kind, targetId: objectId }),
        details: { route: input.route },
      },
      now,
    );
    return { recorded: true };
  });
}
