import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vite.config.js';

/**
 * The tests StrykerJS runs against each mutant (`npm run test:mutation`): the base test settings,
 * without the browser (tests/e2e) and benchmark (tests/bench) suites, which are slow and test
 * pages and throughput rather than the security-critical server code being mutated.
 * MUTATION_TESTS (comma-separated globs) narrows the set, e.g. for a quick slice:
 *   MUTATION_TESTS='tests/unit/**,tests/security/**' npx stryker run --mutate 'server/policies/**'
 */
const only = process.env.MUTATION_TESTS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const config = mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, 'tests/e2e/**', 'tests/bench/**'],
      // A mutant that makes a test hang should cost seconds, not the browser tests' 90.
      testTimeout: 20_000,
      hookTimeout: 20_000,
    },
  }),
);
// Replaced, not merged (mergeConfig would add these globs to the base ones).
if (only?.length) config.test!.include = only.map((g) => (g.endsWith('.ts') ? g : `${g.replace(/\/?\*\*$/, '')}/**/*.test.ts`));

export default config;
