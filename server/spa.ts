import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';

/** The encodings the build writes beside each asset, best first. */
const ENCODINGS = [
  { name: 'br', ext: '.br' },
  { name: 'gzip', ext: '.gz' },
] as const;

/**
 * Send the build's compressed copy of a hashed asset (`x.js.br`, `x.js.gz`) when the browser
 * accepts it, instead of compressing the same bytes again on every request. Only files the build
 * wrote are considered (listed once at start), so a URL can never name anything else; the
 * copies themselves are not served under their own names.
 */
function precompressed(dir: string): RequestHandler {
  const files = new Set(existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => `/${f.split(path.sep).join('/')}`) : []);
  return (req, res, next) => {
    if (ENCODINGS.some((e) => req.path.endsWith(e.ext))) return res.status(404).end();
    // Ours, best first, among those the browser accepts (browsers list gzip first, Brotli is smaller).
    const encoding = ENCODINGS.find((e) => files.has(req.path + e.ext) && req.acceptsEncodings(e.name) === e.name);
    res.vary('Accept-Encoding');
    if (!encoding) return next();
    res.setHeader('Content-Encoding', encoding.name);
    res.type(path.extname(req.path));
    req.url = req.url.replace(/^([^?]*)/, `$1${encoding.ext}`);
    next();
  };
}

/** A path whose last segment names a file (`x.js`, `wp-login.php`): never one of the app's pages. */
const FILE_NAME = /\/[^/]*\.[A-Za-z0-9]{1,10}$/;

/**
 * Serve the built SvelteKit SPA: hashed assets under /_app/immutable cached for a year, and the
 * fallback page for every other GET so client-side routes work on reload. Returns the CSP
 * hashes of the fallback page's inline bootstrap script, so the CSP can stay free of
 * 'unsafe-inline'.
 */
export function spa(clientDir: string): { router: Router; scriptHashes: string[] } {
  const router = Router();
  const indexFile = path.join(clientDir, 'index.html');
  if (!existsSync(indexFile)) {
    router.get(/.*/, (_req, res) => {
      res.status(503).type('text/plain').send('The web app is not built yet. Run `npm run build` (npm start does it for you).');
    });
    return { router, scriptHashes: [] };
  }
  const html = readFileSync(indexFile, 'utf8');
  const scriptHashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  const immutable = path.join(clientDir, '_app', 'immutable');
  router.use('/_app/immutable', precompressed(immutable), express.static(immutable, { immutable: true, maxAge: '1y', index: false }));
  router.use(express.static(clientDir, { index: false, maxAge: 0 }));
  // A file that is not there (an old chunk after an upgrade, a scanner's probe) is a plain 404:
  // never the app's page, and never an error a stranger can write into the log at will.
  router.use((req, res, next) => {
    if (!req.path.startsWith('/_app/') && !FILE_NAME.test(req.path)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.status(404).type('text/plain').send('Not found.');
  });
  const pageFor = routePages(clientDir, html);
  router.get(/.*/, (req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(pageFor(req.path));
  });
  return { router, scriptHashes };
}

/** One route of the app: the paths it serves and how specific it is (SvelteKit's choice among routes that match). */
interface Route {
  id: string;
  pattern: RegExp;
  /** Per path segment: 2 fixed text, 1 a parameter, 0 optional or the rest of the path; the highest wins. */
  rank: number[];
  files: { js: string[]; css: string[] };
}

/** A SvelteKit route id (`/(app)/staff/findings/[id]`) as the paths it serves and its rank. */
function routeOf(id: string, files: Route['files']): Route {
  const segments = id.split('/').filter((s) => s && !/^\(.*\)$/.test(s));
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = segments.map((s) => {
    if (/^\[\.\.\.[^\]]+\]$/.test(s)) return { re: '(?:/.*)?', rank: 0 };
    if (/^\[\[[^\]]+\]\]$/.test(s)) return { re: '(?:/[^/]+)?', rank: 0 };
    if (!s.includes('[')) return { re: `/${escape(s)}`, rank: 2 };
    return {
      re: `/${s
        .split(/\[[^\]]+\]/)
        .map(escape)
        .join('[^/]+')}`,
      rank: 1,
    };
  });
  return { id, pattern: new RegExp(`^${parts.map((p) => p.re).join('')}/?$`), rank: parts.map((p) => p.rank), files };
}

/**
 * Whether route `a` is more specific than `b` for a path both serve. Where one route has ended, the
 * other's further segments matched nothing (optional ones, or an empty rest): the one that ended wins.
 */
function before(a: Route, b: Route): boolean {
  for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
    const [x, y] = [a.rank[i] ?? 0.5, b.rank[i] ?? 0.5];
    if (x !== y) return x > y;
  }
  return false;
}

/**
 * The page to send for a path: index.html naming, for the route that will show it, the scripts
 * (`modulepreload`) and styles (`preload`) that route needs and index.html does not name already
 * (the build's dist/client/.route-preloads.json, scripts/route-preloads.ts). The browser then
 * fetches them beside the shell, instead of after the shell has run and found the route. A path
 * no route serves, or a build without the list, gets index.html as it is.
 */
function routePages(clientDir: string, html: string): (pathname: string) => string {
  const file = path.join(clientDir, '.route-preloads.json');
  if (!existsSync(file)) return () => html;
  const named = new Set([...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]));
  const { routes } = JSON.parse(readFileSync(file, 'utf8')) as { routes: Record<string, Route['files']> };
  const table = Object.entries(routes).map(([id, files]) => routeOf(id, files));
  const pages = new Map<string, string>();
  return (pathname) => {
    let best: Route | undefined;
    for (const r of table) if (r.pattern.test(pathname) && (!best || before(r, best))) best = r;
    if (!best) return html;
    let page = pages.get(best.id);
    if (page === undefined) {
      const links = [
        ...best.files.js.filter((f) => !named.has(f)).map((f) => `<link rel="modulepreload" href="${f}">`),
        ...best.files.css.filter((f) => !named.has(f)).map((f) => `<link rel="preload" as="style" href="${f}">`),
      ];
      page = html.replace('</head>', `${links.join('\n    ')}\n  </head>`);
      pages.set(best.id, page);
    }
    return page;
  };
}
