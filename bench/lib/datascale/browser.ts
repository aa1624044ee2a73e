import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../../../tests/support/browser.js';
import { summarize } from '../accounting.js';
import { ROOT } from '../server.js';
import { initialJs, type InitialJs } from './initial-js.js';

/**
 * The browser side of datascale (issue 19, point 3): how long the heavy pages take to show their
 * content in Chromium, and how much JavaScript the portal's first page loads.
 *
 * "Shown" is measured in the page with the Performance API: an init script watches the DOM
 * (MutationObserver) for the page's content selectors, notes `performance.now()` when they are
 * all there, and then the first moment after the next frame (requestAnimationFrame → setTimeout),
 * so building, style, layout and paint of that content are inside the figure. Zero is the
 * navigation start (`performance.timeOrigin`) for a full load, and the click for an in-app one.
 */

/** One page as a person opens it: who, where, and what on it is "the content". */
export interface BrowserPage {
  name: string;
  role: 'analyst' | 'manager';
  path: string;
  /** Every one must match for the content to count as shown; the first one's matches are counted (rows). */
  selectors: string[];
}

/** One navigation: ms until shown, and where the time went. */
interface Sample {
  ms: number;
  /** Content in the DOM (before style, layout and paint). */
  dom_ms: number;
  /** The last API answer that arrived before the content was in the DOM. */
  api_ms: number | null;
  /** Script files fetched (from the network or the cache) before the content was in the DOM, and when the last one arrived. */
  scripts: number;
  scripts_ms: number | null;
  /** Main-thread tasks over 50 ms between the start and the content shown (Long Tasks API), summed. */
  long_tasks_ms: number;
  /** Elements matching the first selector when the content appeared (table rows, comments). */
  rows: number;
}

export interface BrowserPageResult {
  name: string;
  role: BrowserPage['role'];
  path: string;
  /** Full load in a fresh context (empty cache). */
  cold_ms_median: number;
  cold_ms_max: number;
  /** Full load again in the same context (cached scripts and styles). */
  warm_ms_median: number;
  warm_ms_max: number;
  /** In-app navigation (a link clicked on another page of the app). */
  spa_ms_median: number;
  spa_ms_max: number;
  target_ms: number;
  samples: { cold: Sample[]; warm: Sample[]; spa: Sample[] };
}

export type BrowserFigures = (InitialJs & { pages: BrowserPageResult[] }) | { skipped: string };

/** The target: content within 1 s of navigation. */
const TARGET_MS = 1000;
/** Where the in-app navigation starts: a light page of the app both roles have, with none of the selectors. */
const SPA_FROM = '/account';
/** The portal's first page, for the initial JavaScript: its content is the overview's cards. */
const PORTAL_HOME: BrowserPage = { name: 'portal dashboard', role: 'manager', path: '/portal', selectors: ['.stats, section.card.empty'] };

/** The pages the issue names, for the generated firm's ids. */
export function browserPages(ids: { bigProject: string; bigFinding: string }): BrowserPage[] {
  const rows = 'table.findings tbody tr';
  const comments = 'ol[aria-label="Comments"] > li';
  return [
    { name: 'portal project page (the big project)', role: 'manager', path: `/portal/projects/${ids.bigProject}`, selectors: [rows, 'h1'] },
    { name: 'portal finding page (500-comment finding)', role: 'manager', path: `/portal/findings/${ids.bigFinding}`, selectors: [comments, 'h1'] },
    { name: 'staff project page (the big project)', role: 'analyst', path: `/staff/projects/${ids.bigProject}`, selectors: [rows, 'h1'] },
    { name: 'staff finding page (500-comment finding)', role: 'analyst', path: `/staff/findings/${ids.bigFinding}`, selectors: [comments, 'h1'] },
  ];
}

/**
 * Measure the initial JavaScript and every page `reps` times (cold, warm, in-app). Without
 * Chromium it says so and returns `{ skipped }`; any other failure throws.
 */
export async function browserFigures(
  o: { url: string; cookies: Record<BrowserPage['role'], string>; pages: BrowserPage[]; reps: number },
  log: (m: string) => void,
): Promise<BrowserFigures> {
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    const skipped = `browser figures skipped: ${(err as Error).message}`;
    log(`datascale: ${skipped}`);
    return { skipped };
  }
  try {
    const js = await withContext(browser, o.url, o.cookies.manager, PORTAL_HOME, (page) => initialJs(page, o.url, ROOT, () => shown(page, PORTAL_HOME.path)));
    log(`datascale: initial JS of ${PORTAL_HOME.path}: ${js.initial_js_gzip_kb} KB gzip in ${js.initial_js_files} files`);
    const pages: BrowserPageResult[] = [];
    for (const p of o.pages) {
      const samples: BrowserPageResult['samples'] = { cold: [], warm: [], spa: [] };
      for (let i = 0; i < o.reps; i++) {
        await withContext(browser, o.url, o.cookies[p.role], p, async (page) => {
          samples.cold.push(await shown(page, p.path));
          samples.warm.push(await shown(page, p.path));
          samples.spa.push(await shownInApp(page, p.path));
        });
      }
      const at = (s: Sample[]) => summarize(s.map((x) => x.ms));
      const [cold, warm, spa] = [at(samples.cold), at(samples.warm), at(samples.spa)];
      const r = { name: p.name, role: p.role, path: p.path, cold_ms_median: cold.p50, cold_ms_max: cold.max, warm_ms_median: warm.p50, warm_ms_max: warm.max };
      pages.push({ ...r, spa_ms_median: spa.p50, spa_ms_max: spa.max, target_ms: TARGET_MS, samples });
      log(
        `datascale: ${p.name} (${p.role}) in Chromium: cold ${cold.p50} (max ${cold.max}), warm ${warm.p50} (max ${warm.max}), in-app ${spa.p50} (max ${spa.max}) ms; ${samples.cold[0]!.rows} rows`,
      );
    }
    return { ...js, pages };
  } finally {
    await browser.close();
  }
}

/** A fresh context (own cache) signed in with the session cookie, the watcher installed for `p`; closed after `use`. */
async function withContext<T>(browser: Browser, url: string, cookie: string, p: BrowserPage, use: (page: Page) => Promise<T>): Promise<T> {
  const [name, value] = cookie.split('=') as [string, string];
  const ctx: BrowserContext = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
  try {
    await ctx.addCookies([{ name, value, url, httpOnly: true, sameSite: 'Lax' }]);
    await ctx.addInitScript({ content: `(${WATCHER})(${JSON.stringify(p.selectors)});` });
    return await use(await ctx.newPage());
  } finally {
    await ctx.close();
  }
}

/** A full load of `path`: time from the navigation start until the content is shown. */
async function shown(page: Page, path: string): Promise<Sample> {
  await page.goto(path, { waitUntil: 'commit' });
  return collect(page);
}

/** An in-app navigation: from SPA_FROM, a link to `path` clicked; zero is the click. */
async function shownInApp(page: Page, path: string): Promise<Sample> {
  await page.goto(SPA_FROM);
  await page.waitForSelector('h1');
  await page.evaluate((href) => {
    const w = window as any;
    w.__benchSameDocument = true;
    // SvelteKit routes clicks on links inside its container (app.html's div), so the link goes there.
    const a = document.createElement('a');
    a.href = href;
    document.body.firstElementChild!.append(a);
    w.__benchWatch(performance.now());
    a.click();
  }, path);
  const s = await collect(page);
  if (!(await page.evaluate(() => (window as any).__benchSameDocument === true)))
    throw new Error(`the link to ${path} loaded a new document, not an in-app navigation`);
  return s;
}

/** Wait for the watcher's "shown" and read the figures relative to its start. */
async function collect(page: Page): Promise<Sample> {
  await page
    .waitForFunction(() => (window as any).__bench?.painted != null, undefined, { timeout: 120_000, polling: 50 })
    .catch(async (err) => {
      const text = await page.evaluate(() => document.body.innerText.replace(/\s+/g, ' ').slice(0, 300)).catch(() => '?');
      throw new Error(`${page.url()} did not show its content in 120 s (it shows: ${text})`, { cause: err });
    });
  return page.evaluate(() => {
    const b = (window as any).__bench as { start: number; dom: number; painted: number; rows: number };
    const before = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => e.startTime >= b.start && e.responseEnd <= b.dom);
    const api = before.filter((e) => new URL(e.name).pathname.startsWith('/api/')).map((e) => e.responseEnd);
    const scripts = before.filter((e) => new URL(e.name).pathname.endsWith('.js')).map((e) => e.responseEnd);
    const long = ((window as any).__benchLong as [number, number][]).filter(([t]) => t >= b.start && t < b.painted).reduce((sum, [, d]) => sum + d, 0);
    return {
      ms: Math.round(b.painted - b.start),
      dom_ms: Math.round(b.dom - b.start),
      api_ms: api.length ? Math.round(Math.max(...api) - b.start) : null,
      scripts: scripts.length,
      scripts_ms: scripts.length ? Math.round(Math.max(...scripts) - b.start) : null,
      long_tasks_ms: Math.round(long),
      rows: b.rows,
    };
  });
}

/**
 * Runs in the page before its own scripts. Plain JavaScript in a string: the bench runs under tsx,
 * whose transform would add helpers to a function's source that do not exist in the page. Starts a
 * watch at once (zero = navigation start); `__benchWatch(start)` starts another (in-app navigation).
 */
const WATCHER = `(selectors) => {
  const w = window;
  w.__benchLong = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__benchLong.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // No Long Tasks API: the breakdown shows 0.
  }
  w.__benchWatch = (start) => {
    const b = { start, dom: null, painted: null, rows: 0 };
    w.__bench = b;
    const observer = new MutationObserver(() => check());
    function check() {
      if (b.dom !== null || !selectors.every((s) => document.querySelector(s))) return;
      b.dom = performance.now();
      b.rows = document.querySelectorAll(selectors[0]).length;
      observer.disconnect();
      // The task after the next frame: the content has been styled, laid out and painted.
      requestAnimationFrame(() => setTimeout(() => (b.painted = performance.now()), 0));
    }
    observer.observe(document, { childList: true, subtree: true });
    check();
  };
  w.__benchWatch(0);
}`;
