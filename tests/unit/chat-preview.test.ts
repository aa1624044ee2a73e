import { describe, expect, it } from 'vitest';
import { PREVIEW_CHARS, previewOf, previewText } from '../../server/contracts/chat-preview.js';
import type { ChatMessageDTO } from '../../server/contracts/realtime.js';

/** The channel list's one-line preview of a last message, the same on the server and in the browser. */
describe('previewText', () => {
  it('puts the text on one line and cuts it at PREVIEW_CHARS with an ellipsis', () => {
    expect(previewText('  hello\n\n  there\tyou ', false, [])).toBe('hello there you');
    const long = previewText('a'.repeat(500), false, []);
    expect(long).toHaveLength(PREVIEW_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(previewText('b'.repeat(PREVIEW_CHARS), false, [])).toBe('b'.repeat(PREVIEW_CHARS));
  });
  it('names the files of a message without text, and is empty for a deleted message', () => {
    expect(previewText(' ', false, ['scan.pdf', 'shot.png'])).toBe('shared scan.pdf, shot.png');
    expect(previewText('', false, [])).toBe('');
    expect(previewText('secret', true, ['a.pdf'])).toBe('');
  });
  it('previewOf keeps only id, author, text, deleted and time of a whole message', () => {
    const m: ChatMessageDTO = {
      id: 7,
      clientId: 'c',
      author: { id: 'u', name: 'Ana', kind: 'staff' },
      bodyHtml: '<p>hi</p>',
      body: 'hi',
      clientMessageId: 'x',
      attachments: [],
      createdAt: '2026-12-03T00:00:00.000Z',
      editedAt: null,
      deleted: false,
    };
    expect(previewOf(m)).toEqual({ id: 7, author: m.author, text: 'hi', deleted: false, createdAt: m.createdAt });
  });
});
