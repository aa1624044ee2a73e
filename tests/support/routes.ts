import type { Express } from 'express';

/** The parts of an Express 5 router layer this walker reads (the router package keeps them public). */
interface Layer {
  name: string;
  /** The mount path given to `use()` ('/' when mounted without one); for a route layer, its path. */
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const joinPaths = (base: string, path: string) => {
  const joined = `${base.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
};

function walk(stack: Layer[], base: string, out: string[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const { path, methods } = layer.route;
      // Regular-expression paths are the SPA's catch-all (any page URL), not API routes.
      if (typeof path !== 'string') continue;
      for (const [method, on] of Object.entries(methods)) {
        if (on && method !== '_all') out.push(`${method.toUpperCase()} ${joinPaths(base, path)}`);
      }
    } else if (layer.name === 'router' && layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '/';
      walk(layer.handle.stack, joinPaths(base, mount), out);
    }
  }
}

/**
 * Every route the app serves, as `METHOD /full/path` (e.g. `GET /api/clients/:clientId`), found
 * by walking Express 5's router stack recursively: route layers carry their path and methods,
 * router layers their own stack and mount path. Sorted and without duplicates.
 */
export function listRoutes(app: Express): string[] {
  const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const out: string[] = [];
  walk(stack, '/', out);
  return [...new Set(out)].sort();
}
