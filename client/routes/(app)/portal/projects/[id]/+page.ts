import type { PageLoad } from './$types';
import { getPortalProject, getPortalProjectFindings, settle } from '$lib/api/portal';
import { apiQuery, parseQuery } from '$lib/components/portal/findings-query';

/**
 * One project with its reports, and the first page of its findings in the URL's sort and filters
 * (both read at once). The URL's table state is read untracked: a new sort or filter reads the
 * findings again in the page, not the project (whose view is audited once).
 */
export const load: PageLoad = ({ params, url, fetch, untrack }) => {
  const query = parseQuery(untrack(() => url.searchParams));
  return {
    detail: settle(getPortalProject(params.id, fetch)),
    findings: settle(getPortalProjectFindings(params.id, apiQuery(query), fetch)),
    findingsQuery: query,
  };
};
