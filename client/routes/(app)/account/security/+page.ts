import type { PageLoad } from './$types';
import { getMfaStatus } from '$lib/api/auth';

/** Two-factor status for the signed-in person (the layout has already checked the session). */
export const load: PageLoad = async ({ fetch }) => ({ status: await getMfaStatus(fetch) });
