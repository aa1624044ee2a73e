import { describe, expect, it } from 'vitest';

/**
 * "Show more" rows (`client/lib/more-rows.svelte.ts`) belong to the first page they followed:
 * once another first page is read (a new sort, a reload) they are gone at once, so a list never
 * shows them beside a first page whose rows they may repeat (Svelte refused the duplicate keys:
 * each_key_duplicate, seen in the browser on PostgreSQL's timing), and a page that arrives after
 * the first page changed is not added.
 */
const { MoreRows } = await import('../../client/lib/more-rows.svelte.js');

type Row = { id: number };
const rows = (...ids: number[]): Row[] => ids.map((id) => ({ id }));

describe('MoreRows', () => {
  it('adds pages after the first, drops them the moment the first page is another, and ignores a page read for an older first page', async () => {
    let first: object = { page: 1 };
    const more = new MoreRows<Row>(() => first);
    expect(more.rows).toEqual([]);
    expect(more.next('c1')).toBe('c1');

    await more.load('c1', async (after) => (expect(after).toBe('c1'), { rows: rows(3, 4), next: 'c2' }));
    await more.load('c2', async () => ({ rows: rows(5), next: null }));
    expect(more.rows).toEqual(rows(3, 4, 5));
    expect(more.next('c1')).toBeNull();

    first = { page: 'sorted again' }; // no effect has to run: the very next read sees the new page alone
    expect(more.rows).toEqual([]);
    expect(more.next('d1')).toBe('d1');

    let answer = (_: { rows: Row[]; next: string | null }) => {};
    const late = more.load('d1', () => new Promise((r) => (answer = r)));
    first = { page: 'reloaded' };
    answer({ rows: rows(9), next: 'd2' });
    await late;
    expect(more.rows).toEqual([]);
    expect(more.next('e1')).toBe('e1');
  });
});
