import { storeContentAddressed } from '../../../server/services/storage.js';
import { matrixPng } from '../../support/matrix-fixtures.js';
import { adminOnly, everyone, type MatrixEntry } from './shapes.js';

/**
 * The authorization matrix for the brand (issue 15, points 1–5). Reading it is public by design:
 * the signed-out pages show it, and it is an allowlist of what a firm shows anyone (firm name,
 * logos, colours, footer, help). Changing it is for admins: analysts 403, portal users 403.
 */

/** A stored brand image, for the content-addressed file route. */
const brandFile: MatrixEntry['setup'] = async (_c, app) => {
  const { sha256 } = await storeContentAddressed(app.config.uploadsDir, await matrixPng());
  return { file: `${sha256}.png` };
};

const colours = () => ({ primary: '#1e3a5f', accent: '#2563eb' });

export const BRANDING_MATRIX: MatrixEntry[] = [
  // Public: the signed-out pages read the brand; its keys are an allowlist (tests/integration/branding.test.ts).
  { method: 'GET', path: '/api/brand', expect: everyone('ok') },
  // Public: the stylesheet of the brand's colours, linked from every page's HTML.
  { method: 'GET', path: '/brand.css', expect: everyone('ok') },
  // Public: the current favicon, a redirect to its content-addressed file (or the default).
  { method: 'GET', path: '/brand/favicon', expect: everyone(302) },
  // Public: a brand image by its content hash (a made-up name is 404 for everyone).
  { method: 'GET', path: '/brand/:file', setup: brandFile, params: (c) => ({ file: c.extra.file! }), expect: everyone('ok') },
  { method: 'GET', path: '/api/firm/brand', expect: adminOnly },
  { method: 'PUT', path: '/api/firm/brand', body: () => ({ ...colours(), logoLight: null, logoDark: null, favicon: null }), expect: adminOnly },
  { method: 'DELETE', path: '/api/firm/brand', expect: adminOnly },
  { method: 'POST', path: '/api/firm/brand/adjust', body: colours, expect: adminOnly },
  { method: 'POST', path: '/api/firm/brand/images', query: () => ({ kind: 'logo' }), raw: { contentType: 'image/png', bytes: matrixPng }, expect: adminOnly },
];
