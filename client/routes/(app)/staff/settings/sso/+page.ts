import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { getFirmSso } from '$lib/api/sso';
import { staffMembers } from '$lib/api/users';

/** The firm's single sign-on: administrators only (the server enforces it; others are sent home). */
export const load: PageLoad = async ({ fetch, parent }) => {
  const { session } = await parent();
  if (session.user.role !== 'admin') redirect(307, '/staff');
  const [sso, members] = await Promise.all([getFirmSso(fetch), staffMembers.list(fetch)]);
  // The break-glass administrator is picked among the firm's active administrators.
  const admins = members.filter((m) => m.role === 'admin' && m.status === 'active');
  return { provider: sso.provider, policy: sso.policy, admins };
};
