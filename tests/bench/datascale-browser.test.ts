import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { browserFigures, browserPages } from '../../bench/lib/datascale/browser.js';
import { routeFiles } from '../../scripts/route-files.js';
import { generateDataScale } from '../../bench/lib/datascale-seed.js';
import { freePort, freshDataDir, openBenchDb, removeDataDirs, ROOT, startServer, type BenchServer } from '../../bench/lib/server.js';

/**
 * The browser side of datascale on a small firm, against the production build (npm test builds
 * it): every page gets figures (no timing is asserted: this machine is shared), and the scripts
 * Chromium loaded for the portal's first page are exactly the build's static graph for that route.
 */

let server: BenchServer | undefined;
afterAll(async () => {
  await server?.stop();
  removeDataDirs();
});

describe('datascale in the browser', () => {
  it('measures the initial JavaScript and every page, cold, warm and in-app', async () => {
    const dir = freshDataDir();
    const { sqlite, close } = await openBenchDb(dir);
    const data = await generateDataScale(sqlite, { scale: 0.01, now: Date.UTC(2027, 0, 15, 12), uploadsDir: path.join(dir, 'uploads'), sessionsPerUser: 1 });
    await close();
    server = await startServer({ dataDir: dir, port: await freePort(), maxLifeMs: 120_000 });
    const cookies = { analyst: data.cookies.analyst[0]!, manager: data.cookies.manager[0]! };
    const b = await browserFigures({ url: server.url, cookies, pages: browserPages(data.ids), reps: 1 }, () => {});
    if ('skipped' in b) throw new Error(b.skipped);

    expect(b.initial_js_gzip_kb).toBeGreaterThan(0);
    expect(b.initial_js_raw_kb).toBeGreaterThan(b.initial_js_gzip_kb);
    expect(b.initial_js_transfer_kb).toBeGreaterThan(0);
    const loaded = b.initial_js_chunks.map((c) => `/_app/immutable/${c.file}`).sort();
    expect(loaded).toEqual(routeFiles(ROOT, '/(app)/portal').js);
    expect(b.initial_js_chunks.filter((c) => c.name).length, "chunks named from Vite's manifest").toBeGreaterThan(0);

    expect(b.pages.map((p) => p.role)).toEqual(['manager', 'manager', 'analyst', 'analyst']);
    for (const p of b.pages) {
      for (const k of ['cold', 'warm', 'spa'] as const) {
        expect(p.samples[k], `${p.name} ${k}`).toHaveLength(1);
        const s = p.samples[k][0]!;
        expect(s.ms, `${p.name} ${k}`).toBeGreaterThan(0);
        expect(s.ms).toBeGreaterThanOrEqual(s.dom_ms);
        expect(s.rows, `${p.name} ${k}: rows or comments shown`).toBeGreaterThan(0);
        expect(s.api_ms, `${p.name} ${k}: an API answer before the content`).toBeGreaterThan(0);
      }
      expect(p.samples.cold[0]!.scripts, `${p.name}: scripts fetched cold`).toBeGreaterThan(0);
      expect(p.cold_ms_median).toBe(p.samples.cold[0]!.ms);
      expect(p.cold_ms_max).toBe(p.cold_ms_median);
      expect(p.warm_ms_median).toBeGreaterThan(0);
      expect(p.target_ms).toBe(1000);
    }
  }, 120_000);
});
