import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { getAuditSettings } from '$lib/api/audit';

/** The audit settings: administrators only (the server enforces it; others are sent home). */
export const load: PageLoad = async ({ fetch, parent }) => {
  const { session } = await parent();
  if (session.user.role !== 'admin') redirect(307, '/staff');
  return { settings: await getAuditSettings(fetch) };
};
