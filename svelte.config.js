import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * The SPA lives in client/ and is built to dist/client as static files with a fallback page
 * (ssr = false): the Express server serves it and answers every other path with index.html.
 */
/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    // precompress: a .br and a .gz beside each asset, served as they are (server/spa.ts).
    adapter: adapter({ pages: 'dist/client', assets: 'dist/client', fallback: 'index.html', strict: false, precompress: true }),
    files: {
      routes: 'client/routes',
      lib: 'client/lib',
      appTemplate: 'client/app.html',
      assets: 'client/static',
      hooks: { client: 'client/hooks.client', server: 'client/hooks.server', universal: 'client/hooks' },
      params: 'client/params',
      serviceWorker: 'client/service-worker',
    },
    outDir: '.svelte-kit',
    alias: { $contracts: 'server/contracts' },
  },
};
