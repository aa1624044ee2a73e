import { describe, expect, it } from 'vitest';
import { drainLog } from '../../server/realtime/feed.js';

/** The feed pump's loop: it drains the log in order, and a cursor that stops advancing fails fast instead of spinning. */
const log = Array.from({ length: 12 }, (_, i) => ({ position: i + 1 }));
const reader = (batch: number) => async (after: number) => log.filter((r) => r.position > after).slice(0, batch);

describe('drainLog', () => {
  it('emits every row once, in order, batch by batch, and stops when nothing is newer', async () => {
    let cursor = 0;
    const seen: number[] = [];
    await drainLog(
      reader(5),
      async (rows) => {
        for (const r of rows) {
          seen.push(r.position);
          cursor = r.position;
        }
      },
      () => cursor,
    );
    expect(seen).toEqual(log.map((r) => r.position));
  });

  it('throws, instead of reading the same batch forever, when an emit does not move the cursor', async () => {
    let cursor = 0;
    let reads = 0;
    const stuck = drainLog(
      async (after) => (reads++, reader(5)(after)),
      async (rows) => void (cursor = rows[0]!.position),
      () => cursor,
    );
    await expect(stuck).rejects.toThrow(/cursor stuck at 1 after a batch ending at 5/);
    expect(reads).toBe(1);
  });
});
