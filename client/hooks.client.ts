import type { HandleClientError } from '@sveltejs/kit';
import { ApiError } from '$lib/api/http';

/**
 * What an error page is told about an error no page caught: a failed API call keeps its message
 * and the server's request id (to quote to support); anything else gets a plain sentence, never a
 * stack or a script's own words.
 */
export const handleError: HandleClientError = ({ error, status }) => {
  if (error instanceof ApiError) return { message: error.summary, code: error.code, ...(error.requestId && { requestId: error.requestId }) };
  if (status === 404) return { message: 'There is no page at this address.' };
  return { message: 'Something went wrong on this page. Reload it, and if it happens again tell us what you were doing.' };
};
