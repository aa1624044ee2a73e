import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

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
  router.use('/_app/immutable', express.static(path.join(clientDir, '_app', 'immutable'), { immutable: true, maxAge: '1y', index: false, fallthrough: false }));
  router.use(express.static(clientDir, { index: false, maxAge: 0 }));
  router.get(/.*/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });
  return { router, scriptHashes };
}
