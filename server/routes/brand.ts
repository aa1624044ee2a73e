import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { serve } from './endpoint.js';
import { AppError } from '../errors.js';
import { commandContextOf } from '../middleware/command-context.js';
import { receiveUpload } from '../services/uploads.js';
import { openStoredFile, sendFileHandle } from '../services/storage.js';
import { adjustBrandColours, brandFavicon, brandSettings, brandStylesheet, publicBrand } from '../queries/firm/brand.js';
import { saveBrandSettings } from '../commands/firm/save-brand.js';
import { resetBrand } from '../commands/firm/reset-brand.js';
import { checkBrandUpload, uploadBrandImage } from '../commands/firm/upload-brand-image.js';

/** The largest logo or favicon upload read (checked while the body streams in). */
const BRAND_MAX_BYTES = 2 * 1024 * 1024;

/** The brand's JSON API: the public read, and the admins' settings (Settings → Branding). */
export function brandRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /brand', async () => publicBrand(deps));
  serve(r, 'GET /firm/brand', async ({ req }) => ({ brand: await brandSettings(deps, commandContextOf(req)) }));
  serve(r, 'PUT /firm/brand', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { brand: await saveBrandSettings(deps, ctx, input()) };
  });
  serve(r, 'DELETE /firm/brand', async ({ req }) => ({ brand: await resetBrand(deps, commandContextOf(req)) }));
  serve(r, 'POST /firm/brand/adjust', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return adjustBrandColours(ctx, input());
  });
  serve(r, 'POST /firm/brand/images', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    // Who may upload is decided before a byte of the body is read.
    checkBrandUpload(ctx);
    const { kind } = input();
    const upload = await receiveUpload(req, {
      root: deps.config.uploadsDir,
      folder: 'brand',
      maxBytes: BRAND_MAX_BYTES,
      tooLarge: 'The image is larger than 2 MB.',
      notAFile: new AppError(415, 'unsupported_media_type', 'Send the image itself as the request body.'),
    });
    return { image: await uploadBrandImage(deps, ctx, upload, kind) };
  });

  return r;
}

/**
 * The brand's public files, outside /api: the stylesheet (linked from the page's HTML, so the
 * first paint has the firm's colours), the current favicon, and the content-addressed images.
 */
export function brandAssetsRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/brand.css', async (req, res) => {
    const { css, etag } = await brandStylesheet(deps);
    // Revalidated on every load (a new brand shows at the next page load), cheap with the ETag.
    res.set({ 'Cache-Control': 'no-cache', ETag: etag, 'X-Content-Type-Options': 'nosniff' });
    if (req.get('if-none-match') === etag) res.status(304).end();
    else res.type('text/css; charset=utf-8').send(css);
  });

  // A stable favicon URL for the page's <link>: the current one, or the default.
  r.get('/brand/favicon', async (_req, res) => {
    const file = await brandFavicon(deps);
    res.set('Cache-Control', 'no-cache').redirect(302, file ? `/${file}` : '/favicon.svg');
  });

  r.get('/brand/:file', async (req, res) => {
    const handle = /^[0-9a-f]{64}\.png$/.test(req.params.file) ? await openStoredFile(deps.config.uploadsDir, `brand/${req.params.file}`) : null;
    if (!handle) {
      res.status(404).set('X-Content-Type-Options', 'nosniff').type('text/plain').send('Not found');
      return;
    }
    const { size } = await handle.stat();
    res.set({
      'Content-Type': 'image/png',
      'Content-Length': String(size),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      // The name is the content's hash: it never changes, so it is cached for good.
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
    await sendFileHandle(res, handle);
  });

  return r;
}
