import type { PageLoad } from './$types';
import { settle } from '$lib/api/portal';
import { listRetests } from '$lib/api/remediation';

/** The first page of the organisation's retest requests, newest first. */
export const load: PageLoad = ({ fetch }) => ({ retests: settle(listRetests(null, fetch)) });
