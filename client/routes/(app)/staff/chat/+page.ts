import type { PageLoad } from './$types';
import type { ChatChannelDTO } from '$contracts/chat';
import { ApiError } from '$lib/api/http';
import { listChannels } from '$lib/api/chat';

/** Every client's chat channel, newest activity first, with unread counts. */
export const load: PageLoad = async ({ fetch, depends }) => {
  depends('app:chat');
  try {
    return { channels: await listChannels(fetch), loadError: null };
  } catch (err) {
    return { channels: [] as ChatChannelDTO[], loadError: err instanceof ApiError ? err.message : 'The channels could not be loaded.' };
  }
};
