import { error } from '@sveltejs/kit';
import type { PageLoad } from './$types';

/** An address under this area with no page: the styled 404, inside the signed-in frame (issue 18, point 15). */
export const load: PageLoad = () => error(404, 'There is no page at this address.');
