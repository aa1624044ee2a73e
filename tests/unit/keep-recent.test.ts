import { describe, expect, it } from 'vitest';
import { keepRecent } from '../../server/services/markdown.js';
import { switchOn } from '../../server/policies/access.js';

/**
 * The two results kept for a catch-up's thousand events (server/services/markdown.ts `keepRecent`
 * for rendered text, server/policies/access.ts for a client's parsed switch map): the same answers
 * as without them, each text worked out once while it is recent.
 */

describe('keepRecent', () => {
  it('works out each text once while it is among the `limit` most recent, and drops the oldest first', () => {
    const seen: string[] = [];
    const upper = keepRecent(2, (t) => (seen.push(t), t.toUpperCase()));
    expect([upper('a'), upper('b'), upper('a')]).toEqual(['A', 'B', 'A']);
    expect(seen).toEqual(['a', 'b']);
    expect(upper('c')).toBe('C'); // 'a' was the oldest kept: it goes
    expect([upper('b'), upper('a')]).toEqual(['B', 'A']);
    expect(seen).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('switchOn with the last map kept', () => {
  it('reads each stored text as itself, whatever was read before it', () => {
    const off = '{"chat":false}';
    expect(switchOn(off, 'chat')).toBe(false);
    expect(switchOn(off, 'findings')).toBe(true);
    expect(switchOn('{"chat":true}', 'chat')).toBe(true);
    expect(switchOn(off, 'chat')).toBe(false);
    // A damaged value switches nothing off, before and after a valid one.
    expect(switchOn('{"chat":fal', 'chat')).toBe(true);
    expect(switchOn(off, 'chat')).toBe(false);
    expect(switchOn('{"chat":fal', 'chat')).toBe(true);
    expect(switchOn('[false]', 'chat')).toBe(true);
  });
});
