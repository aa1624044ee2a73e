import http from 'node:http';
import type { Page } from 'playwright-core';
import { readManifest } from '../../../scripts/route-files.js';

/**
 * The portal's initial JavaScript (issue 19, point 3: ≤ 150 KB compressed). The list of files is
 * the browser's: every script Chromium fetched from the first byte until the portal's first page
 * showed its content (Resource Timing). Each is then fetched again from the server with
 * `Accept-Encoding: gzip` only, and the bytes on the wire are counted: what the `compression`
 * middleware sends a gzip client (files under its 1 KB threshold go uncompressed, as they would).
 * Chromium itself asks for Brotli, so what it transferred is reported beside it.
 *
 * `routeFiles` (scripts/route-files.ts) gives the same list from the build (Vite manifest,
 * SvelteKit's route table) as a cross-check: the tests hold the two equal.
 */

export interface InitialJs {
  /** Gzip bytes (as the server sends them) of the scripts loaded before the first page showed, KB. */
  initial_js_gzip_kb: number;
  initial_js_raw_kb: number;
  /** What Chromium transferred (encodedBodySize) and in which encoding the server answered it. */
  initial_js_transfer_kb: number;
  initial_js_transfer_encoding: string;
  initial_js_files: number;
  initial_js_page: string;
  /** The biggest files first: path under _app/immutable, Vite's name for it (its first module), KB gzip / raw. */
  initial_js_chunks: { file: string; name: string | null; gzip_kb: number; raw_kb: number }[];
}

const kb = (b: number) => Math.round((b / 1024) * 10) / 10;

/**
 * Open the page (`load` navigates and resolves once its content is shown, with ms since navigation
 * start) and measure its scripts. `root` holds the build (.svelte-kit), for the chunks' names.
 */
export async function initialJs(page: Page, url: string, root: string, load: () => Promise<{ ms: number }>): Promise<InitialJs> {
  const encodings = new Map<string, string>();
  page.on('response', (r) => {
    if (r.url().endsWith('.js')) encodings.set(new URL(r.url()).pathname, r.headers()['content-encoding'] ?? 'identity');
  });
  const shownAt = (await load()).ms;
  const scripts = await page.evaluate(
    (until) =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => new URL(e.name).pathname.endsWith('.js') && e.startTime <= until)
        .map((e) => ({ path: new URL(e.name).pathname, encoded: e.encodedBodySize, decoded: e.decodedBodySize })),
    shownAt,
  );
  if (!scripts.length) throw new Error(`no scripts were loaded by ${page.url()}`);
  const files: { file: string; gzip: number; raw: number }[] = [];
  for (const s of scripts) files.push({ file: s.path, gzip: await gzipBytes(url + s.path), raw: s.decoded });
  files.sort((a, b) => b.gzip - a.gzip);
  const names = new Map(Object.values(readManifest(root)).map((m) => [`/${m.file}`, m.name ?? null]));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    initial_js_gzip_kb: kb(sum(files.map((f) => f.gzip))),
    initial_js_raw_kb: kb(sum(files.map((f) => f.raw))),
    initial_js_transfer_kb: kb(sum(scripts.map((s) => s.encoded))),
    initial_js_transfer_encoding: [...new Set(scripts.map((s) => encodings.get(s.path) ?? 'unknown'))].join(', '),
    initial_js_files: files.length,
    initial_js_page: new URL(page.url()).pathname,
    initial_js_chunks: files.map((f) => ({
      file: f.file.replace(/^.*\/_app\/immutable\//, ''),
      name: names.get(f.file) ?? null,
      gzip_kb: kb(f.gzip),
      raw_kb: kb(f.raw),
    })),
  };
}

/** Bytes of the body as sent to a client that accepts gzip only (node:http does not decompress). */
function gzipBytes(href: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(href, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${href}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${href}: no answer in 30 s`)));
  });
}
