/** A single-page app: no server rendering, no prerendering; Express serves the fallback page. */
export const ssr = false;
export const prerender = false;
