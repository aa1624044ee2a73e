import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getBrandSettings } from '$lib/api/brand';

/** Branding: administrators only (the server enforces it; others are sent home). */
export const load: PageLoad = async ({ fetch, parent, depends }) => {
  depends('app:brand');
  const { session } = await parent();
  if (session.user.role !== 'admin') redirect(307, '/staff');
  try {
    return { brand: await getBrandSettings(fetch), loadError: null };
  } catch (err) {
    return { brand: null, loadError: err instanceof ApiError ? err.message : 'The branding could not be loaded.' };
  }
};
