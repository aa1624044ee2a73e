import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getRemediationTargets } from '$lib/api/remediation';

/** Remediation targets: administrators only (the server enforces it; others are sent home). */
export const load: PageLoad = async ({ fetch, parent, depends }) => {
  depends('app:remediation-targets');
  const { session } = await parent();
  if (session.user.role !== 'admin') redirect(307, '/staff');
  try {
    return { targets: await getRemediationTargets(fetch), loadError: null };
  } catch (err) {
    return { targets: null, loadError: err instanceof ApiError ? err.message : 'The remediation targets could not be loaded.' };
  }
};
