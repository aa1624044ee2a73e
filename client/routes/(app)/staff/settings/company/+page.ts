import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getFirmSettings } from '$lib/api/firm';

/** Company settings: administrators only (the server enforces it; others are sent home). */
export const load: PageLoad = async ({ fetch, parent, depends }) => {
  depends('app:firm');
  const { session } = await parent();
  if (session.user.role !== 'admin') redirect(307, '/staff');
  try {
    return { firm: await getFirmSettings(fetch), loadError: null };
  } catch (err) {
    return { firm: null, loadError: err instanceof ApiError ? err.message : 'The company settings could not be loaded.' };
  }
};
