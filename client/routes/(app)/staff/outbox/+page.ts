import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { listOutbox } from '$lib/api/outbox';

/** The latest mails (admins only): without SMTP, this is how invitation links reach people. */
export const load: PageLoad = async ({ parent, fetch, depends }) => {
  depends('app:outbox');
  const { session } = await parent();
  if (session.user.role !== 'admin') redirect(307, '/staff');
  try {
    return { mails: await listOutbox(fetch), loadError: null };
  } catch (err) {
    return { mails: [], loadError: err instanceof ApiError ? err.message : 'The outbox could not be loaded.' };
  }
};
