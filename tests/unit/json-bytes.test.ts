import { describe, expect, it } from 'vitest';
import { jsonBytes } from '../../server/realtime/json-bytes.js';

/**
 * jsonBytes sizes a catch-up part's events without building their JSON (server/realtime/feed.ts,
 * partOf). It must agree with JSON.stringify's UTF-8 length, escapes inside strings aside.
 */

const exact = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('jsonBytes', () => {
  it('equals the UTF-8 length of JSON.stringify for plain data without escapes', () => {
    const values: unknown[] = [
      null,
      true,
      false,
      0,
      -12.5,
      1e21,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '',
      'plain',
      'naïve café — 東京 🙂',
      [],
      {},
      [1, 'two', null, undefined, () => 3, { a: [] }],
      { a: 1, skipped: undefined, fn: () => 1, nested: { list: [true, false], empty: {} }, text: 'Ünïcode' },
      {
        position: 41,
        clientId: 'c-1',
        type: 'comment:created',
        at: '2026-12-05T21:00:00.000Z',
        data: { id: 'x', author: { id: 'u', name: 'Zoë', kind: 'portal' }, deleted: false, attachments: [{ size: 1234, width: null }] },
      },
    ];
    for (const v of values) expect(jsonBytes(v), JSON.stringify(v)).toBe(exact(v));
  });

  it('leaves out only the escapes inside strings: one byte short for each quote or backslash', () => {
    const html = '<p>See <a href="https://example.com" rel="noopener">the fix</a> in C:\\temp</p>';
    expect(exact(html) - jsonBytes(html)).toBe(5);
    expect(exact({ bodyHtml: html }) - jsonBytes({ bodyHtml: html })).toBe(5);
  });

  it('measures what is not plain data as JSON.stringify writes it', () => {
    const at = new Date(Date.UTC(2026, 11, 5));
    const custom = { toJSON: () => ({ shown: 'yes' }) };
    for (const v of [at, { at }, [custom], new Map([[1, 2]])]) expect(jsonBytes(v)).toBe(exact(v));
  });
});
