import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import type { AccessLogFilters } from '$contracts/audit';
import { listAccessLog } from '$lib/api/audit';
import { settle } from '$lib/api/portal';

const KEYS = ['actorId', 'action', 'from', 'to'] as const;

/** A Manager's Access log (other roles go home; the server refuses them anyway). Filters live in the address. */
export const load: PageLoad = async ({ parent, fetch, url, depends }) => {
  depends('app:access-log');
  const { session } = await parent();
  if (session.user.role !== 'manager') redirect(307, '/portal');
  const filters = Object.fromEntries(KEYS.map((k) => [k, url.searchParams.get(k) || undefined]).filter(([, v]) => v)) as AccessLogFilters;
  return { filters, first: settle(listAccessLog(filters, null, fetch)) };
};
