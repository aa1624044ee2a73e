import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `debrief version` prints: the package version, the build's id and commit, and the Node it runs on. */
export interface BuildInfo {
  version: string;
  /** The packaged build's id (a hash of what it embeds), or "dev" outside a package. */
  buildId: string;
  commit: string;
}

// Set by the package build (esbuild's `define`, scripts/package.ts); undefined under tsx or dist.
declare const __DEBRIEF_BUILD__: BuildInfo | undefined;

/** package.json's version, found upward from this module (server/ under tsx, dist/server/ when built). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

export function buildInfo(): BuildInfo {
  return typeof __DEBRIEF_BUILD__ !== 'undefined' ? __DEBRIEF_BUILD__ : { version: packageVersion(), buildId: 'dev', commit: 'dev' };
}
