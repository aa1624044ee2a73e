import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';

/** Findings are opened from their project; this page only explains a disabled module. When it is enabled, go on to /portal/projects. */
export const load: PageLoad = async ({ parent }) => {
  const { session } = await parent();
  if (session.modules?.findings !== false) redirect(307, '/portal/projects');
};
