/**
 * `npm run routes:coverage` (issue 18): every page of the route tree × every role that may open
 * it (tests/support/route-roles.ts), and the share the e2e suite visits.
 *
 * - "visited" comes from the record the accessibility run writes (tests/.artifacts/route-visits.json,
 *   by `npx vitest run tests/e2e/axe.test.ts`): a pair counts when the page was reached as that
 *   role, at both widths, without being redirected;
 * - "named" is a rougher second figure: pages whose path appears in another e2e test file.
 *
 * Exits 1 when a pair was not visited, so CI can hold the share at 100%.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pageRoutes, routeRolePairs } from '../tests/support/route-roles.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const VISITS = path.join(ROOT, 'tests', '.artifacts', 'route-visits.json');
const E2E = path.join(ROOT, 'tests', 'e2e');
const WIDTHS = [1366, 390];

const pairs = routeRolePairs();
const record = existsSync(VISITS)
  ? (JSON.parse(readFileSync(VISITS, 'utf8')) as { at: string; visits: { route: string; role: string; width: number }[] })
  : null;
const seen = new Set(record?.visits.map((v) => `${v.role} ${v.route} ${v.width}`) ?? []);
const missing = pairs.filter((p) => WIDTHS.some((w) => !seen.has(`${p.role} ${p.route} ${w}`)));

/** A route id as a pattern over test source: `[id]` matches a literal segment or a `${…}` template hole. */
const patternOf = (route: string) =>
  new RegExp(`['"\`]${route.replace(/[.*+?^${}()|\\]/g, '\\$&').replace(/\\\[[^\]]+\]/g, '(?:\\$\\{[^}]+\\}|[^/\'"`?#]+)')}(?:[?#'"\`])`);
const sources = readdirSync(E2E)
  .filter((f) => f.endsWith('.test.ts') && f !== 'axe.test.ts')
  .map((f) => readFileSync(path.join(E2E, f), 'utf8'));
const routes = pageRoutes();
const named = routes.filter((r) => sources.some((s) => patternOf(r.replace(/\[(\w+)\]/g, '[$1]')).test(s)));

const share = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
console.log(`Pages in the route tree: ${routes.length}; page × role pairs: ${pairs.length} (each at ${WIDTHS.join(' and ')} px)`);
if (!record) console.log('No visit record yet: run `npx vitest run tests/e2e/axe.test.ts` first (after `npm run build`).');
else
  console.log(
    `Visited by the e2e suite (record of ${record.at}): ${pairs.length - missing.length}/${pairs.length} = ${share(pairs.length - missing.length, pairs.length)}`,
  );
console.log(`Pages whose path another e2e test names: ${named.length}/${routes.length} = ${share(named.length, routes.length)}`);
for (const p of missing) console.log(`  not visited: ${p.role} ${p.route}`);
process.exitCode = record && missing.length === 0 ? 0 : 1;
