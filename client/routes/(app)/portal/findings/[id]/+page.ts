import type { PageLoad } from './$types';
import { started } from '$lib/api/http';
import { getPortalFinding, settle } from '$lib/api/portal';
import { listComments } from '$lib/api/comments';
import { getRemediation } from '$lib/api/remediation';

/**
 * One published finding, with every field the organisation's settings allow. Its discussion and
 * remediation are read at the same time (their components show them), not after it has rendered.
 */
export const load: PageLoad = ({ params, fetch }) => ({
  finding: settle(getPortalFinding(params.id, fetch)),
  comments: started(params.id, listComments(params.id, null, fetch)),
  remediation: started(params.id, getRemediation(params.id, fetch)),
});
