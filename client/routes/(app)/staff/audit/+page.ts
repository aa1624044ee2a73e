import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import type { AuditFilters } from '$contracts/audit';
import { getAuditMeta, listAudit } from '$lib/api/audit';
import { settle } from '$lib/api/portal';

const KEYS = ['clientId', 'actorId', 'action', 'outcome', 'from', 'to', 'q'] as const;

/** The Audit page (admins; analysts when the firm allows it): the filters live in the address, so a filtered view can be shared and reloaded. */
export const load: PageLoad = async ({ fetch, parent, url, depends }) => {
  depends('app:audit');
  const { session } = await parent();
  if (!session.auditReadable) redirect(307, '/staff');
  const filters = Object.fromEntries(KEYS.map((k) => [k, url.searchParams.get(k) || undefined]).filter(([, v]) => v)) as AuditFilters;
  return { filters, first: settle(listAudit(filters, null, fetch)), meta: settle(getAuditMeta(fetch)) };
};
