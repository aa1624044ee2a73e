import type { TestApp } from './app.js';
import { postRaw } from './evidence.js';
import type { Agent, Res } from './http.js';

/** Helpers for the brand's tests (issue 15, points 1–6). */

/** POST raw bytes to /api/firm/brand/images?kind= as the agent (null: anonymous). */
export const uploadBrandImage = (app: TestApp, agent: Agent | null, bytes: Buffer, kind = 'logo', contentType = 'image/png'): Promise<Res> =>
  postRaw(app, agent, `/firm/brand/images?kind=${kind}`, bytes, contentType);

/** A scheme that passes every pair. */
export const GOOD_COLOURS = { primary: '#7a1f5c', accent: '#0f766e' } as const;

/** An SVG logo of plain shapes (accepted and rasterised). */
export const PLAIN_SVG = Buffer.from(
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60" viewBox="0 0 200 60"><rect width="200" height="60" rx="8" fill="#7a1f5c"/><circle cx="30" cy="30" r="18" fill="#ffffff"/></svg>',
);
