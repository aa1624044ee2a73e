import { redirect } from '@sveltejs/kit';
import type { LayoutLoad } from './$types';
import { getPortalMessages } from '$lib/api/messages';

/**
 * Portal pages: staff are sent to the staff home. The firm's messages (footer, help, status
 * explanations, welcome) are read alongside, and again when the firm saves new ones (`brand:updated`);
 * if they can't be read the pages still work without them.
 */
export const load: LayoutLoad = async ({ parent, fetch, depends }) => {
  depends('app:messages');
  const [{ session }, messages] = await Promise.all([parent(), getPortalMessages(fetch).catch(() => null)]);
  if (session.user.kind !== 'portal') redirect(307, '/staff');
  return { messages };
};
