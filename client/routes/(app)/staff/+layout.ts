import { redirect } from '@sveltejs/kit';
import type { LayoutLoad } from './$types';

/** Staff pages: portal users are sent to their own home. */
export const load: LayoutLoad = async ({ parent }) => {
  const { session } = await parent();
  if (session.user.kind !== 'staff') redirect(307, '/portal');
};
