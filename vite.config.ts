import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

/** Vite builds the SPA and serves it in development (proxying the API and sockets to Express); Vitest runs every test. */
const api = process.env.API_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/healthz': { target: api },
      '/socket.io': { target: api, ws: true },
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Browser tests on a busy two-core machine need room; a hung test or hook still fails (and
    // .ci/run bounds the whole run), so a regression fails a test instead of hanging the run.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    maxWorkers: 2,
  },
});
