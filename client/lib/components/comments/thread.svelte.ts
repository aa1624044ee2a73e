import type { CommentDTO } from '$contracts/realtime';
import { MENTION_PATTERN, mentionToken } from '$contracts/constants';

/**
 * The comments of one finding page: loaded over HTTP, then kept current by live events and by
 * the answers to this page's own sends. Each comment is held once (by id; a pending send by its
 * client message id until the server's copy arrives) and shown oldest first.
 */

/** A comment of ours that has not been acknowledged yet. */
export interface PendingComment {
  clientMessageId: string;
  body: string;
  internal: boolean;
  at: string;
}

export class Thread {
  comments = $state<CommentDTO[]>([]);
  pending = $state<PendingComment[]>([]);

  /** Take a fresh load (keeps pending sends, and live arrivals the load may have raced past). */
  reset(list: CommentDTO[]): void {
    const ids = new Set(list.map((c) => c.id));
    this.comments = [...list, ...this.comments.filter((c) => !ids.has(c.id))].sort(byTime);
    this.dropAcknowledged();
  }

  /** Add or replace one comment (a live create, update, share, or our own send's answer). */
  upsert(c: CommentDTO): void {
    const i = this.comments.findIndex((x) => x.id === c.id);
    if (i >= 0) this.comments[i] = c;
    else this.comments = [...this.comments, c].sort(byTime);
    this.dropAcknowledged();
  }

  /** A deletion told without the comment itself (staff's view of a removed internal note). */
  markDeleted(id: string): void {
    const i = this.comments.findIndex((x) => x.id === id);
    if (i >= 0) this.comments[i] = { ...this.comments[i]!, deleted: true, body: '', bodyHtml: '' };
  }

  addPending(p: PendingComment): void {
    this.pending = [...this.pending, p];
  }

  removePending(clientMessageId: string): void {
    this.pending = this.pending.filter((p) => p.clientMessageId !== clientMessageId);
  }

  private dropAcknowledged(): void {
    const known = new Set(this.comments.map((c) => c.clientMessageId));
    if (this.pending.some((p) => known.has(p.clientMessageId))) this.pending = this.pending.filter((p) => !known.has(p.clientMessageId));
  }
}

const byTime = (a: CommentDTO, b: CommentDTO) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/** Someone picked in the composer: shown as `@Name` while typing, stored as a mention token. */
export interface Picked {
  id: string;
  name: string;
}

/** Stored text → what the textarea shows (`@Name`), with the people it names. */
export function toDisplay(body: string): { text: string; picked: Picked[] } {
  const picked: Picked[] = [];
  const text = body.replace(MENTION_PATTERN, (_all, name: string, id: string) => {
    if (!picked.some((p) => p.id === id)) picked.push({ id, name });
    return `@${name}`;
  });
  return { text, picked };
}

/** The textarea's text → the stored text: each picked person's `@Name` becomes their token. */
export function toStored(text: string, picked: Picked[]): string {
  // Longest names first, so "@Ana Analyst" is not taken for "@Ana".
  const order = [...picked].sort((a, b) => b.name.length - a.name.length);
  const slots: string[] = [];
  let out = text.replace(/[\uE000\uE001]/g, '');
  for (const p of order) {
    out = out.split(`@${p.name}`).join(`\uE000${slots.length}\uE001`);
    slots.push(mentionToken(p));
  }
  return out.replace(/\uE000(\d+)\uE001/g, (_all, i: string) => slots[Number(i)] ?? '');
}
