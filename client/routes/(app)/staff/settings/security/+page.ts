import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { getMfaStatus, getSecuritySettings } from '$lib/api/auth';

/** Firm security settings: administrators only (the server enforces it; others are sent home). */
export const load: PageLoad = async ({ fetch, parent }) => {
  const { session } = await parent();
  if (session.user.role !== 'admin') redirect(307, '/staff');
  const [settings, mine] = await Promise.all([getSecuritySettings(fetch), getMfaStatus(fetch)]);
  return { settings, mine };
};
