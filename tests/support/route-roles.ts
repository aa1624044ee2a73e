import { readdirSync } from 'node:fs';
import path from 'node:path';
/** The repository's root (not from app.ts: the coverage script reads this without starting anything). */
const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * Who may open which page of the SPA (issue 18: the accessibility run and the coverage script
 * visit every route × role). Pages are read from the route tree itself, so a new page lands here
 * at once; `rolesFor` throws for a page no rule names, so it can't be skipped silently.
 */

export const ROLES = ['admin', 'analyst', 'manager', 'collaborator', 'viewer', 'signed-out'] as const;
export type Role = (typeof ROLES)[number];

const ROUTES_DIR = path.join(ROOT, 'client', 'routes');

/** Every page of the route tree (a folder with a `+page.svelte`), as its id without layout groups. */
export function pageRoutes(): string[] {
  const found: string[] = [];
  const walk = (dir: string, id: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name), /^\(.*\)$/.test(e.name) ? id : `${id}/${e.name}`);
      else if (e.name === '+page.svelte') found.push(id || '/');
    }
  };
  walk(ROUTES_DIR, '');
  return found.sort();
}

const STAFF: Role[] = ['admin', 'analyst'];
const PORTAL: Role[] = ['manager', 'collaborator', 'viewer'];
/** Pages only an administrator has in the menu (the server refuses the others their data). */
const ADMIN_ONLY = /^\/staff\/(settings\/|team$|outbox$|audit$)/;
/** Pages a client's Manager has and the other client roles don't. */
const MANAGER_ONLY = /^\/portal\/(users|access-log)$/;
/** The pages of someone not (yet, or not fully) signed in. */
const SIGNED_OUT = new Set([
  '/login',
  '/login/mfa',
  '/mfa/setup',
  '/forgot-password',
  '/reset-password/[token]',
  '/invite/[token]',
  '/setup',
  '/confirm-email/[token]',
]);

/** The roles that may open a page; throws for a page no rule covers. */
function rolesFor(route: string): Role[] {
  if (SIGNED_OUT.has(route)) return ['signed-out'];
  if (ADMIN_ONLY.test(route)) return ['admin'];
  if (route === '/staff' || route.startsWith('/staff/')) return STAFF;
  if (MANAGER_ONLY.test(route)) return ['manager'];
  if (route === '/portal' || route.startsWith('/portal/')) return PORTAL;
  if (route === '/account' || route.startsWith('/account/') || route === '/notifications') return [...STAFF, ...PORTAL];
  throw new Error(`No rule says who may open ${route}: add it to tests/support/route-roles.ts`);
}

/** Every page × role pair, as `role route`. */
export function routeRolePairs(): { route: string; role: Role }[] {
  return pageRoutes().flatMap((route) => rolesFor(route).map((role) => ({ route, role })));
}
