import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { listClients } from '$lib/api/clients';

/** Every client the firm works for. */
export const load: PageLoad = async ({ fetch, depends }) => {
  depends('app:clients');
  try {
    return { clients: await listClients(fetch), loadError: null };
  } catch (err) {
    return { clients: [], loadError: err instanceof ApiError ? err.message : 'The clients could not be loaded.' };
  }
};
