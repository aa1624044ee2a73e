import { redirect } from '@sveltejs/kit';
import type { LayoutLoad } from './$types';

/** Portal pages: staff are sent to the staff home. */
export const load: LayoutLoad = async ({ parent }) => {
  const { session } = await parent();
  if (session.user.kind !== 'portal') redirect(307, '/staff');
};
