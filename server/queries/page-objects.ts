import type { AppDeps, CommandContext } from '../context.js';
import type { PageObject } from '../contracts/page-routes.js';
import { readableFinding } from './findings/read.js';
import { readableProject } from './projects/read.js';
import { readableClient } from './clients/read.js';
import { portalObject } from './portal.js';
import { notFound } from '../errors.js';

/**
 * The object a page view names, checked as the page's own API read checks it (staff: the
 * workspace reads; portal: the portal's reads): its client when the viewer may see it, else the
 * same 404 / 403 that read would answer. Nothing is presented or audited here.
 */
export async function pageObjectClient(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, kind: PageObject, id: string): Promise<string> {
  if (ctx.viewer.user.kind === 'portal') {
    if (kind === 'client') throw notFound();
    return (await portalObject(deps, ctx, kind, id)).clientId;
  }
  if (kind === 'finding') return (await readableFinding(deps, ctx, id)).client_id;
  if (kind === 'project') return (await readableProject(deps, ctx, id)).client_id;
  return (await readableClient(deps, ctx, id)).id;
}
