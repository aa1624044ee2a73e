import type { PageLoad } from './$types';
import type { ChatHistoryDTO } from '$contracts/chat';
import { ApiError } from '$lib/api/http';
import { chatHistory } from '$lib/api/chat';

/** One client's chat channel. */
export const load: PageLoad = async ({ params, fetch, depends }) => {
  depends('app:chat');
  try {
    return { history: (await chatHistory(params.clientId, {}, fetch)) as ChatHistoryDTO | null, loadError: null, notFound: false };
  } catch (err) {
    const notFound = err instanceof ApiError && err.status === 404;
    return { history: null, notFound, loadError: err instanceof ApiError ? err.message : 'The channel could not be loaded.' };
  }
};
