// @ts-check
/**
 * Mutation testing of the security-critical server code: `npm run test:mutation` (StrykerJS 9 —
 * v10 needs Node 22). Slow on a small machine: tests/mutation-survivors.md records the measured
 * rate, the score of the slices run so far and every surviving mutant. Not part of .ci/run.
 * Narrow a run with `--mutate` and MUTATION_TESTS (see vitest.mutation.config.ts).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  mutate: [
    'server/policies/**/*.ts',
    'server/visibility/**/*.ts',
    'server/presenters/**/*.ts',
    'server/realtime/**/*.ts',
    'server/auth/**/*.ts',
    'server/middleware/**/*.ts',
    'server/services/redaction.ts',
    'server/services/uploads.ts',
  ],
  ignorePatterns: ['data', 'bench/last-run.json', 'tests/.artifacts', 'reports', '.stryker-tmp'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Tests start a real server per file; a mutant that hangs one is a timeout (counted as killed).
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
