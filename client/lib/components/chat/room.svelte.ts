import type { AttachmentDTO, ChatMessageDTO, PresenceMember } from '$contracts/realtime';
import type { FeedEvent } from '$contracts/socket';
import type { ChatHistoryDTO } from '$contracts/chat';
import { live, newClientMessageId } from '$lib/realtime/live.svelte';
import { ApiError } from '$lib/api/http';
import {
  chatHistory,
  deleteChatMessage,
  editChatMessage,
  joinChannelPresence,
  leaveChannelPresence,
  markChatRead,
  sendChatMessage,
  setTyping,
} from '$lib/api/chat';

/** A message typed here that the server has not confirmed yet (offline, sending, or refused). */
export interface PendingMessage {
  clientMessageId: string;
  body: string;
  attachments: AttachmentDTO[];
  createdAt: string;
  error: string | null;
}

/** How long a "typing" shows without a fresh signal (a lost typing:stop must not stick). */
const TYPING_TTL_MS = 8000;

/**
 * The state of one open chat channel: history (with "load earlier"), live messages deduped by id
 * and clientMessageId, sends through the live outbox (pending until acked), the read position,
 * presence and typing. One instance per open channel page; `connect()` returns its cleanup.
 */
export class ChatRoom {
  readonly clientId: string;
  readonly me: { id: string; name: string };
  clientName = $state('');
  messages = $state<ChatMessageDTO[]>([]);
  pending = $state<PendingMessage[]>([]);
  hasMore = $state(false);
  loadingEarlier = $state(false);
  earlierError = $state<string | null>(null);
  canWrite = $state(false);
  archived = $state(false);
  /** The read position when the page opened: the "new messages" divider goes after it. */
  dividerAfter = $state(0);
  present = $state<PresenceMember[]>([]);
  typing = $state<{ id: string; name: string; until: number }[]>([]);
  private readTo = 0;
  private typingSent = 0;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(history: ChatHistoryDTO, me: { id: string; name: string }) {
    this.clientId = history.clientId;
    this.me = me;
    this.reset(history);
  }

  private reset(h: ChatHistoryDTO): void {
    this.clientName = h.clientName;
    this.messages = h.messages;
    this.hasMore = h.hasMore;
    this.canWrite = h.canWrite;
    this.archived = h.archived;
    this.dividerAfter = h.lastReadId;
    this.readTo = h.lastReadId;
  }

  /** The newest confirmed message id (0 when empty). */
  get newestId(): number {
    return this.messages.at(-1)?.id ?? 0;
  }

  /** The people typing now (not me). */
  get typingNames(): string[] {
    const now = Date.now();
    return this.typing.filter((t) => t.until > now).map((t) => t.name);
  }

  /** Add or replace a confirmed message (by id), and drop my pending copy of it (by clientMessageId). */
  upsert(m: ChatMessageDTO): void {
    if (m.clientId !== this.clientId) return;
    if (m.author.id === this.me.id) this.pending = this.pending.filter((p) => p.clientMessageId !== m.clientMessageId);
    const i = this.messages.findIndex((x) => x.id === m.id);
    if (i >= 0) this.messages[i] = m;
    else if (!this.messages.length || m.id > this.newestId) this.messages.push(m);
    else this.messages = [...this.messages, m].sort((a, b) => a.id - b.id);
    this.typing = this.typing.filter((t) => t.id !== m.author.id);
  }

  /** Listen to live events, presence and typing; returns the cleanup for the page's teardown. */
  connect(): () => void {
    const onMessage = (e: FeedEvent<'message:created' | 'message:updated' | 'message:deleted'>) => e.clientId === this.clientId && this.upsert(e.data);
    const offs = [
      live.on('message:created', onMessage),
      live.on('message:updated', onMessage),
      live.on('message:deleted', onMessage),
      live.onPush('presence:changed', (p) => {
        if (p.target.kind === 'channel' && p.target.id === this.clientId) this.present = p.present;
      }),
      live.onPush('typing:changed', (t) => {
        if (t.target.kind !== 'channel' || t.target.id !== this.clientId || t.user.id === this.me.id) return;
        const rest = this.typing.filter((x) => x.id !== t.user.id);
        this.typing = t.typing ? [...rest, { id: t.user.id, name: t.user.name, until: Date.now() + TYPING_TTL_MS }] : rest;
      }),
      // After every (re)connection: be counted as present again.
      live.onLive(() => void joinChannelPresence(this.clientId).then((a) => a.ok && (this.present = a.present))),
      live.onResync(() => void this.reload()),
    ];
    const tick = setInterval(() => (this.typing = this.typing.filter((t) => t.until > Date.now())), 2000);
    return () => {
      offs.forEach((off) => off());
      clearInterval(tick);
      this.stopTyping();
      void leaveChannelPresence(this.clientId);
    };
  }

  /** Reload the newest page (after a resync): keeps what was typed and not yet confirmed. */
  async reload(): Promise<void> {
    try {
      const h = await chatHistory(this.clientId);
      const divider = this.dividerAfter;
      this.reset(h);
      this.dividerAfter = divider;
    } catch {
      /* the live connection will try again; the page keeps what it has */
    }
  }

  /** Fetch the page before the oldest message shown. */
  async loadEarlier(): Promise<void> {
    const first = this.messages[0];
    if (!first || this.loadingEarlier) return;
    this.loadingEarlier = true;
    this.earlierError = null;
    try {
      const h = await chatHistory(this.clientId, { before: first.id });
      const known = new Set(this.messages.map((m) => m.id));
      this.messages = [...h.messages.filter((m) => !known.has(m.id)), ...this.messages];
      this.hasMore = h.hasMore;
    } catch (err) {
      this.earlierError = err instanceof ApiError ? err.message : 'Could not load earlier messages.';
    } finally {
      this.loadingEarlier = false;
    }
  }

  /** Send a message (shown at once as pending; queued while offline; confirmed by the ack or the live event). */
  send(body: string, attachments: AttachmentDTO[]): void {
    const p: PendingMessage = { clientMessageId: newClientMessageId(), body, attachments, createdAt: new Date().toISOString(), error: null };
    this.pending.push(p);
    this.stopTyping();
    void this.deliver(p);
  }

  /** Try a refused send again (same clientMessageId: never a duplicate). */
  retry(clientMessageId: string): void {
    const p = this.pending.find((x) => x.clientMessageId === clientMessageId);
    if (!p) return;
    p.error = null;
    void this.deliver(p);
  }

  /** Forget a refused send. */
  discard(clientMessageId: string): void {
    this.pending = this.pending.filter((x) => x.clientMessageId !== clientMessageId);
  }

  private async deliver(p: PendingMessage): Promise<void> {
    const ack = await sendChatMessage({
      clientId: this.clientId,
      body: p.body,
      clientMessageId: p.clientMessageId,
      attachmentIds: p.attachments.map((a) => a.id),
    });
    if (ack.ok) {
      this.upsert(ack.message);
      this.markRead();
    } else {
      const mine = this.pending.find((x) => x.clientMessageId === p.clientMessageId);
      if (mine) mine.error = ack.error.message;
    }
  }

  async edit(id: number, body: string): Promise<void> {
    this.upsert(await editChatMessage(id, body));
  }

  async remove(id: number): Promise<void> {
    this.upsert(await deleteChatMessage(id));
  }

  /** Move my read position to the newest message shown (called while the end of the list is visible). */
  markRead(): void {
    const newest = this.newestId;
    if (newest <= this.readTo) return;
    this.readTo = newest;
    markChatRead(this.clientId, newest).catch(() => (this.readTo = 0));
  }

  /** Tell the channel I am typing (at most every 3 s), and that I stopped after 4 s of quiet. */
  typed(): void {
    if (!this.canWrite) return;
    const now = Date.now();
    if (now - this.typingSent > 3000) {
      this.typingSent = now;
      void setTyping(this.clientId, true);
    }
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), 4000);
  }

  stopTyping(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = null;
    if (this.typingSent) {
      this.typingSent = 0;
      void setTyping(this.clientId, false);
    }
  }
}
