import type { ChatChannelDTO } from '$contracts/chat';
import { previewOf } from '$contracts/chat-preview';
import type { FeedEvent } from '$contracts/socket';
import { live } from '$lib/realtime/live.svelte';

/**
 * The channel list, kept current by the live feed: a new message moves its channel to the top
 * with its text, and counts as unread unless I wrote it; an edit or delete updates the preview.
 */
export class ChannelListState {
  channels = $state<ChatChannelDTO[]>([]);
  private readonly me: string;

  constructor(channels: ChatChannelDTO[], me: string) {
    this.channels = channels;
    this.me = me;
  }

  connect(): () => void {
    const created = (e: FeedEvent<'message:created'>) => {
      const c = this.channels.find((x) => x.clientId === e.clientId);
      if (!c || (c.lastMessage && c.lastMessage.id >= e.data.id)) return;
      c.lastMessage = previewOf(e.data);
      c.lastActivityAt = e.data.createdAt;
      if (e.data.author.id !== this.me) c.unread += 1;
      this.channels = [c, ...this.channels.filter((x) => x !== c)].sort((a, b) => Number(a.archived) - Number(b.archived));
    };
    const changed = (e: FeedEvent<'message:updated' | 'message:deleted'>) => {
      const c = this.channels.find((x) => x.clientId === e.clientId);
      if (c?.lastMessage?.id === e.data.id) c.lastMessage = previewOf(e.data);
    };
    const offs = [live.on('message:created', created), live.on('message:updated', changed), live.on('message:deleted', changed)];
    return () => offs.forEach((off) => off());
  }
}
