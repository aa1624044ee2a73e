import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { listNotifications } from '$lib/api/notifications';

const PAGE_SIZE = 20;

/** The first page of my notifications, newest first. */
export const load: PageLoad = async ({ fetch, depends }) => {
  depends('app:notifications');
  try {
    return { page: await listNotifications({ limit: PAGE_SIZE }, fetch), loadError: null };
  } catch (err) {
    return { page: null, loadError: err instanceof ApiError ? err.message : 'Your notifications could not be loaded.' };
  }
};
