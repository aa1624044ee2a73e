import { describe, expect, it } from 'vitest';
import { Thread, toDisplay, toStored } from '../../client/lib/components/comments/thread.svelte.js';
import { mentionedIds } from '../../server/contracts/comments.js';
import type { CommentDTO } from '../../server/contracts/realtime.js';

/**
 * The browser's comment logic on its own (issue 12, point 8): the mention text conversion between
 * what the composer shows (`@Name`) and what is stored (`@[Name](id)`), and the thread's
 * de-duplication of live events, fresh loads and our own pending sends.
 */

const ana = { id: 'u-ana', name: 'Ana' };
const anaAnalyst = { id: 'u-ana-analyst', name: 'Ana Analyst' };
const pat = { id: 'u-pat', name: 'Pat (Client)' };

describe('mention text conversion', () => {
  it('stores each picked person as their token and shows it back as @Name', () => {
    const stored = toStored('Thanks @Ana, see @Pat (Client) too', [ana, pat]);
    expect(stored).toBe('Thanks @[Ana](u-ana), see @[Pat Client](u-pat) too');
    expect(mentionedIds(stored)).toEqual(['u-ana', 'u-pat']);
    expect(toDisplay(stored)).toEqual({
      text: 'Thanks @Ana, see @Pat Client too',
      picked: [
        { id: 'u-ana', name: 'Ana' },
        { id: 'u-pat', name: 'Pat Client' },
      ],
    });
  });

  it('takes the longest name first, so "@Ana Analyst" is never read as "@Ana"', () => {
    const stored = toStored('@Ana Analyst and @Ana', [ana, anaAnalyst]);
    expect(stored).toBe('@[Ana Analyst](u-ana-analyst) and @[Ana](u-ana)');
  });

  it('a typed token or placeholder characters in the text never become a mention of someone not picked', () => {
    const typed = 'hello @[Mallory](u-admin) \uE0000\uE001';
    const stored = toStored(typed, [ana]);
    expect(stored).not.toContain('\uE000');
    // The server only trusts tokens for people it re-checks; the composer adds none for unpicked names.
    expect(stored).toBe('hello @[Mallory](u-admin) 0');
    expect(toStored('plain @Ana text', [])).toBe('plain @Ana text');
  });

  it('round-trips: display, then store again, gives the same stored text', () => {
    const stored = '@[Ana Analyst](u-ana-analyst) asked @[Ana](u-ana) twice: @[Ana](u-ana)';
    const { text, picked } = toDisplay(stored);
    expect(picked).toHaveLength(2);
    expect(toStored(text, picked)).toBe(stored);
  });
});

const comment = (id: string, at: string, o: Partial<CommentDTO> = {}): CommentDTO => ({
  id,
  findingId: 'f1',
  author: { id: 'u1', name: 'Ana', kind: 'staff' },
  bodyHtml: '<p>x</p>',
  body: 'x',
  clientMessageId: `cm-${id}`,
  internal: false,
  sharedAt: null,
  createdAt: at,
  editedAt: null,
  deleted: false,
  ...o,
});

describe('Thread', () => {
  it('holds each comment once, oldest first, whether it came live, in a load or as our own answer', () => {
    const t = new Thread();
    t.upsert(comment('b', '2026-01-01T10:02:00Z'));
    t.upsert(comment('a', '2026-01-01T10:01:00Z'));
    t.upsert(comment('b', '2026-01-01T10:02:00Z', { body: 'edited' }));
    expect(t.comments.map((c) => [c.id, c.body])).toEqual([
      ['a', 'x'],
      ['b', 'edited'],
    ]);
    // A fresh load that raced past a live arrival keeps the arrival.
    t.upsert(comment('c', '2026-01-01T10:03:00Z'));
    t.reset([comment('a', '2026-01-01T10:01:00Z'), comment('b', '2026-01-01T10:02:00Z')]);
    expect(t.comments.map((c) => c.id)).toEqual(['a', 'b', 'c']);
  });

  it('drops a pending send once the server copy with its client message id arrives (live or ack), and only then', () => {
    const t = new Thread();
    t.addPending({ clientMessageId: 'cm-p', body: 'mine', internal: false, at: '2026-01-01T10:00:00Z' });
    t.upsert(comment('other', '2026-01-01T10:00:01Z'));
    expect(t.pending).toHaveLength(1);
    t.upsert(comment('p', '2026-01-01T10:00:02Z', { clientMessageId: 'cm-p' }));
    expect(t.pending).toEqual([]);
    expect(t.comments.map((c) => c.id)).toEqual(['other', 'p']);
  });

  it('marks a deletion told without the comment as deleted, body gone', () => {
    const t = new Thread();
    t.upsert(comment('a', '2026-01-01T10:01:00Z', { internal: true }));
    t.markDeleted('a');
    t.markDeleted('unknown');
    expect(t.comments).toEqual([expect.objectContaining({ id: 'a', deleted: true, body: '', bodyHtml: '' })]);
  });
});
