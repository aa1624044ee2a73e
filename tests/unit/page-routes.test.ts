import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/app.js';
import { PAGE_ROUTES, pageRouteOf } from '../../server/contracts/page-routes.js';

/**
 * The server's list of the SPA's signed-in pages (page views, issue 15 point 11) is the SPA's
 * own: every `+page.svelte` under `client/routes/(app)` is listed, with its one parameter, and
 * nothing else is. A page added without its entry could never be recorded; an entry without a
 * page would accept reports of a page that does not exist.
 */

const APP = path.join(ROOT, 'client', 'routes', '(app)');
function pages(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return pages(full);
    return e.name === '+page.svelte' ? [pageRouteOf('/(app)/' + path.relative(APP, dir).split(path.sep).join('/')).replace(/\/$/, '') || '/'] : [];
  });
}

describe('page routes', () => {
  it('lists exactly the signed-in pages of the SPA', () => {
    expect(Object.keys(PAGE_ROUTES).sort()).toEqual(pages(APP).sort());
  });

  it("names each page's parameter as its route does, and the audience by its folder", () => {
    for (const [route, page] of Object.entries(PAGE_ROUTES)) {
      const params = [...route.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
      expect(params, route).toEqual(page.object ? [page.object.param] : []);
      const folder = route.split('/')[1];
      expect(page.audience, route).toBe(folder === 'staff' ? 'staff' : folder === 'portal' ? 'portal' : 'any');
    }
  });

  it('drops layout groups from SvelteKit route ids', () => {
    expect(pageRouteOf('/(app)/portal/findings/[id]')).toBe('/portal/findings/[id]');
    expect(pageRouteOf('/(app)/(x)/staff')).toBe('/staff');
    expect(pageRouteOf('/(app)')).toBe('/');
  });
});
