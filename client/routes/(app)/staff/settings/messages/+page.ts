import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getMessageSettings } from '$lib/api/messages';

/** The firm's portal messages: administrators only (the server enforces it; others are sent home). */
export const load: PageLoad = async ({ fetch, parent, depends }) => {
  depends('app:messages');
  const { session } = await parent();
  if (session.user.role !== 'admin') redirect(307, '/staff');
  try {
    return { messages: await getMessageSettings(fetch), loadError: null };
  } catch (err) {
    return { messages: null, loadError: err instanceof ApiError ? err.message : 'The messages could not be loaded.' };
  }
};
