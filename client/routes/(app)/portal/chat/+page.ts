import type { PageLoad } from './$types';
import type { ChatHistoryDTO } from '$contracts/chat';
import { ApiError } from '$lib/api/http';
import { chatHistory } from '$lib/api/chat';

/** The organisation's chat channel with the firm (the padlock page when its Chat module is off). */
export const load: PageLoad = async ({ parent, fetch, depends }) => {
  depends('app:chat');
  const { session } = await parent();
  const empty = { history: null as ChatHistoryDTO | null, loadError: null as string | null };
  if (session.modules?.chat === false || !session.user.clientId) return { ...empty, locked: true };
  try {
    return { ...empty, locked: false, history: await chatHistory(session.user.clientId, {}, fetch) };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'module_disabled') return { ...empty, locked: true };
    return { ...empty, locked: false, loadError: err instanceof ApiError ? err.message : 'The chat could not be loaded.' };
  }
};
