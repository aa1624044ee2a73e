// @ts-check
/**
 * Lint (`npm run lint`, part of `npm run check` and CI): typescript-eslint's recommended rules,
 * Svelte's, and the layer boundaries of README → Architecture as import rules (import cycles,
 * type-only ones included, are refused too). tests/unit/layers.test.ts holds the same boundaries
 * as a test; unused exports are knip's job (knip.json).
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

/** Folders a layer may not import from (paths as written in imports, any depth). */
const forbid = (...layers) => ({
  'no-restricted-imports': [
    'error',
    { patterns: layers.map((l) => ({ group: [`**/${l}/*`, `**/${l}/**`], message: `This layer may not import server/${l} (README → Architecture).` })) },
  ],
});
const HIGHER = ['routes', 'commands', 'queries', 'realtime', 'middleware'];

export default tseslint.config(
  { ignores: ['dist/', '.svelte-kit/', 'node_modules/', 'reports/', '.stryker-tmp/', 'tests/.artifacts/', 'data/', 'release/', 'bench/last-run.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Kysely migrations and a few library seams take `any` on purpose; each is visible in review.
      '@typescript-eslint/no-explicit-any': 'off',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // `cond && act()` and ternaries as statements are idioms here.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // The SPA is served at the root (no base path): plain hrefs are the resolved ones.
      'svelte/no-navigation-without-resolve': 'off',
      // Maps, Sets and Dates in live.svelte.ts, threads and loaders are bookkeeping, not state:
      // what the page shows is held in $state/$derived.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { projectService: false, extraFileExtensions: ['.svelte'], parser: tseslint.parser, svelteConfig } },
  },
  // Layer boundaries.
  {
    files: ['client/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+server/(?!contracts/)', message: 'The browser imports only server/contracts ($contracts).' }] },
      ],
    },
  },
  {
    files: ['server/contracts/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./(?!contracts/)|^\\.\\./\\.\\./', message: 'Contracts import only zod and other contracts.' }] },
      ],
    },
  },
  { files: ['server/policies/**'], rules: forbid(...HIGHER, 'repositories', 'presenters', 'services') },
  { files: ['server/visibility/**'], rules: forbid(...HIGHER, 'repositories', 'presenters') },
  { files: ['server/repositories/**'], rules: forbid(...HIGHER, 'presenters', 'events') },
  { files: ['server/presenters/**'], rules: forbid(...HIGHER) },
  { files: ['server/services/**'], rules: forbid(...HIGHER) },
  { files: ['server/queries/**'], rules: forbid('commands', 'routes', 'realtime', 'middleware', 'handlers') },
  { files: ['server/commands/**'], rules: forbid('routes', 'realtime', 'middleware', 'handlers') },
);
