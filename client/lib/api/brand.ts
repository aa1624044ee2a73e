import { call, upload, type BodyOf } from './http';

type F = typeof fetch;

/** The public brand (every page, signed out too). */
export const getBrand = (fetch?: F) => call('GET /brand', { fetch });
/** The saved brand as admins edit it. */
export const getBrandSettings = (fetch?: F) => call('GET /firm/brand', { fetch }).then((r) => r.brand);
/** Save colours and images at once (422 with each failing pair when the colours are hard to read). */
export const saveBrand = (body: BodyOf<'PUT /firm/brand'>) => call('PUT /firm/brand', { body }).then((r) => r.brand);
/** Back to the default look. */
export const resetBrand = () => call('DELETE /firm/brand').then((r) => r.brand);
/** The nearest passing shades (nothing is saved). */
export const adjustBrandColours = (body: BodyOf<'POST /firm/brand/adjust'>) => call('POST /firm/brand/adjust', { body });
/** Upload a logo or favicon; it applies only when a brand naming it is saved. */
export const uploadBrandImage = (file: Blob, kind: 'logo' | 'favicon') => upload('POST /firm/brand/images', file, { query: { kind } }).then((r) => r.image);
