import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';

/** Chat has no page yet; the menu only shows it, with a padlock, when it is disabled. When it is enabled, go on to /portal. */
export const load: PageLoad = async ({ parent }) => {
  const { session } = await parent();
  if (session.modules?.chat !== false) redirect(307, '/portal');
};
