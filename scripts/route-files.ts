import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What each page of the SPA needs before it can show, read from the client build in `.svelte-kit`
 * (Vite's manifest and SvelteKit's route table). One home for this reading: the build writes the
 * server's preload list with it (scripts/route-preloads.ts) and the bench checks Chromium's
 * scripts against it (bench/lib/datascale/initial-js.ts).
 */

/** One module of Vite's client manifest: its output file, Vite's name for it, its static imports and styles. */
export interface ManifestEntry {
  file: string;
  name?: string;
  imports?: string[];
  css?: string[];
}

/** Vite's manifest of the client build: source module → its output file, name, static imports and styles. */
export function readManifest(root: string): Record<string, ManifestEntry> {
  return JSON.parse(readFileSync(path.join(root, '.svelte-kit', 'output', 'client', '.vite', 'manifest.json'), 'utf8'));
}

/** SvelteKit's route table: route id → [page node, layout nodes, error nodes] (an empty place is a level without one). */
function routeTable(root: string): Map<string, number[]> {
  const app = readFileSync(path.join(root, '.svelte-kit', 'generated', 'client-optimized', 'app.js'), 'utf8');
  const dictionary = /export const dictionary = \{([\s\S]*?)\};/.exec(app)?.[1] ?? '';
  const table = new Map<string, number[]>();
  const list = (text: string | undefined) => (text ? text.split(',').filter(Boolean).map(Number) : []);
  for (const m of dictionary.matchAll(/^\s*"([^"]+)": \[(-?\d+)(?:,\[([\d,]*)\])?(?:,\[([\d,]*)\])?\]/gm)) {
    // SvelteKit's client loads the root layout and error nodes (0 and 1) at start, the rest with the page.
    table.set(m[1]!, [0, 1, ...list(m[3]), ...list(m[4]), Math.abs(Number(m[2]))]);
  }
  if (!table.size) throw new Error(`no routes found in SvelteKit's route table under ${root}`);
  return table;
}

/** The route ids of the app, as SvelteKit names them (`/(app)/staff/findings/[id]`). */
export function routeIds(root: string): string[] {
  return [...routeTable(root).keys()];
}

/**
 * The scripts and styles a route needs before it can show: SvelteKit's two entries, the root
 * layout and error nodes, the route's layouts, error pages and page, and everything they import
 * statically, transitively (dynamic imports are left out). Paths as served (`/_app/immutable/…`).
 */
export function routeFiles(root: string, routeId: string): { js: string[]; css: string[] } {
  const manifest = readManifest(root);
  const nodes = routeTable(root).get(routeId);
  if (!nodes) throw new Error(`route ${routeId} is not in SvelteKit's route table`);
  const roots = [
    // start.js and app.js: the two that index.html imports (every node is an "entry" too, for import()).
    ...Object.keys(manifest).filter((k) => manifest[k]!.file.startsWith('_app/immutable/entry/')),
    ...nodes.map((n) => `.svelte-kit/generated/client-optimized/nodes/${n}.js`),
  ];
  const seen = new Set<string>();
  const css = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    const entry = manifest[key];
    if (!entry) throw new Error(`${key} is not in the Vite manifest`);
    seen.add(key);
    for (const c of entry.css ?? []) css.add(`/${c}`);
    for (const i of entry.imports ?? []) visit(i);
  };
  for (const r of roots) visit(r);
  return { js: [...seen].map((k) => `/${manifest[k]!.file}`).sort(), css: [...css].sort() };
}
