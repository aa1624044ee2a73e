import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';
import { ROOT } from './app.js';
import { artifact } from './browser.js';

/**
 * axe-core in a real page (issue 18): its source is evaluated through the DevTools protocol, which
 * a page's CSP does not govern, so the CSP stays as strict as production (no script tag, no
 * 'unsafe-eval'). Results are kept per visit; a failure names page, rule and selector.
 */

const AXE_SOURCE = readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
export type Impact = 'critical' | 'serious' | 'moderate' | 'minor';

export interface Violation {
  /** Where: role, page (route), viewport and state (menu or dialog open). */
  where: string;
  rule: string;
  impact: Impact;
  help: string;
  selectors: string[];
}

/** Run axe on the page as it is now; every violation (all impacts) tagged with `where`. */
export async function axeCheck(page: Page, where: string): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => (window as any).axe.run(document, { resultTypes: ['violations'] }) as Promise<unknown>);
  return (result as AxeResults).violations.map((v) => ({
    where,
    rule: v.id,
    impact: (v.impact ?? 'minor') as Impact,
    help: v.help,
    selectors: v.nodes.map((n) => n.target.map(String).join(' ')),
  }));
}

/** Totals by impact (what the closing note reports before and after the fixes). */
export function totals(violations: Violation[]): Record<Impact, number> {
  const t = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const v of violations) t[v.impact] += v.selectors.length;
  return t;
}

/** One line per failing node: page, rule and selector, so a failure says what to fix. */
export function describeViolations(violations: Violation[]): string {
  return violations.flatMap((v) => v.selectors.map((s) => `${v.where} — ${v.rule} (${v.impact}): ${v.help} — ${s}`)).join('\n');
}

/** Where the run records what it visited (read by `npm run routes:coverage`). */
const VISITS_FILE = () => artifact('route-visits.json');

/** Save the visited pairs and the full results, for the coverage script and for people. */
export function saveRun(visits: { route: string; role: string; width: number }[], violations: Violation[]): void {
  writeFileSync(VISITS_FILE(), JSON.stringify({ at: new Date().toISOString(), visits }, null, 2));
  writeFileSync(artifact('axe-results.json'), JSON.stringify({ totals: totals(violations), violations }, null, 2));
}
