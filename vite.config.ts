import { realpathSync } from 'node:fs';
import path from 'node:path';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

/** Vite builds the SPA and serves it in development (proxying the API and sockets to Express); Vitest runs every test. */
const api = process.env.API_URL ?? 'http://localhost:3000';

type ModuleInfo = { importedIds: readonly string[]; importers: readonly string[] } | null;

/**
 * The browser's chunks, coarse on purpose: the app is served over HTTP/1.1 (six connections), so
 * a cold load of a page that needed 40–50 small files spent a second queueing for them, and a
 * route's load function could not start before all of its node's imports had arrived.
 *
 * - `shell`: Svelte, SvelteKit's client, everything the signed-in layouts need (the app shell,
 *   the live connection, the bell) and what routes of different areas use widely. SvelteKit's
 *   entry imports it, so index.html preloads it: a route then fetches its own node files and at
 *   most a few shared chunks, all at once.
 * - `portal` / `staff`: what several route nodes of that area (and no other) share.
 * - Code that only one route uses stays in that route's node, and what a few routes of different
 *   areas share gets a chunk per set of routes, as Rolldown does by default.
 */
function chunkGroups(root: string) {
  const at = (p: string) => realpathSync(path.join(root, p));
  const shellRoots = [
    at('node_modules/@sveltejs/kit/src/runtime/client/entry.js'),
    at('client/routes/+layout.svelte'),
    at('client/routes/(app)/+layout.svelte'),
    at('client/routes/(app)/+layout.ts'),
  ];
  const nodesDir = path.join(root, '.svelte-kit', 'generated', 'client-optimized', 'nodes') + path.sep;
  const sep = path.sep;
  /** Shared by this many route nodes of different areas: in the shell. */
  const WIDELY = 3;
  let shell: Set<string> | null = null;
  const areas = new Map<string, string | null>();

  /** The area ('portal', 'staff', 'other') of the route a SvelteKit node file stands for. */
  const areaOfNode = (info: ModuleInfo) => {
    const route = info?.importedIds.find((i) => i.includes(`${sep}routes${sep}`)) ?? '';
    return route.includes(`${sep}(app)${sep}portal${sep}`) ? 'portal' : route.includes(`${sep}(app)${sep}staff${sep}`) ? 'staff' : 'other';
  };
  type Ctx = { getModuleInfo(id: string): ModuleInfo };

  const inShell = (id: string, ctx: Ctx) => {
    if (!shell) {
      shell = new Set();
      const stack = [...shellRoots];
      while (stack.length) {
        const m = stack.pop()!;
        if (shell.has(m)) continue;
        shell.add(m);
        stack.push(...(ctx.getModuleInfo(m)?.importedIds ?? []));
      }
    }
    return shell.has(id);
  };

  /**
   * Where a module several route nodes import goes: 'portal' or 'staff' when they are all of that
   * area, 'shell' when routes of several areas use it widely (WIDELY nodes or more), null for
   * one node's own code and for what a few routes of different areas share (Rolldown then gives
   * each such set of routes its own chunk: the discussion and remediation of the two finding
   * pages, chat, user management, two-factor setup).
   */
  const area = (id: string, ctx: Ctx) => {
    if (!areas.has(id)) {
      const nodes = new Set<string>();
      const seen = new Set<string>();
      const stack = [id];
      while (stack.length) {
        const m = stack.pop()!;
        if (seen.has(m)) continue;
        seen.add(m);
        if (m.startsWith(nodesDir)) nodes.add(m);
        else stack.push(...(ctx.getModuleInfo(m)?.importers ?? []));
      }
      const kinds = new Set([...nodes].map((n) => areaOfNode(ctx.getModuleInfo(n))));
      const one = kinds.size === 1 && !kinds.has('other') ? [...kinds][0]! : null;
      areas.set(id, nodes.size < 2 ? null : (one ?? (nodes.size >= WIDELY ? 'shell' : null)));
    }
    return areas.get(id)!;
  };

  return [
    { name: (id: string, ctx: Ctx) => (inShell(id, ctx) || area(id, ctx) === 'shell' ? 'shell' : null), priority: 2 },
    { name: (id: string, ctx: Ctx) => (inShell(id, ctx) || area(id, ctx) === 'shell' ? null : area(id, ctx)), priority: 1 },
  ];
}

export default defineConfig(({ isSsrBuild }) => ({
  plugins: [sveltekit()],
  build: isSsrBuild ? {} : { rolldownOptions: { output: { codeSplitting: { groups: chunkGroups(import.meta.dirname) } } } },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/healthz': { target: api },
      '/readyz': { target: api },
      '/metrics': { target: api },
      '/brand.css': { target: api },
      '/brand/': { target: api },
      '/socket.io': { target: api, ws: true },
    },
  },
  test: {
    // `npm run test:cluster`: only the several-instances tests (three processes, Redis, HAProxy);
    // the other runs leave them out.
    // `npm run test:package`: only the packaged file's smoke test (after `npm run package`).
    include: process.env.TEST_SUITE ? [`tests/${process.env.TEST_SUITE}/**/*.test.ts`] : ['tests/**/*.test.ts'],
    exclude: process.env.TEST_SUITE ? ['**/node_modules/**'] : ['tests/cluster/**', 'tests/package/**', '**/node_modules/**'],
    environment: 'node',
    // `npm run test:pg`: the same suite on a throwaway PostgreSQL cluster (tests/support/pg-global.ts).
    globalSetup: process.env.TEST_DATABASE === 'postgres' ? ['tests/support/pg-global.ts'] : [],
    pool: 'forks',
    // Browser tests on a busy two-core machine need room; a hung test or hook still fails (and
    // .ci/run bounds the whole run), so a regression fails a test instead of hanging the run.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    maxWorkers: process.env.TEST_SUITE === 'cluster' ? 1 : 2,
  },
}));
