import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './build-inputs.js';
import { routeFiles, routeIds } from './route-files.js';

/**
 * `npm run build`'s step after Vite: the scripts and styles each route needs, written beside the
 * web app (dist/client/.route-preloads.json, a dotfile: never served). The server names them in the
 * page it sends for that route (server/spa.ts), so the browser fetches them beside the shell
 * instead of only after the shell has run and found the route.
 */
const routes = Object.fromEntries(routeIds(ROOT).map((id) => [id, routeFiles(ROOT, id)]));
writeFileSync(path.join(ROOT, 'dist', 'client', '.route-preloads.json'), `${JSON.stringify({ routes })}\n`);
