import { describe, expect, it } from 'vitest';
import { repeated } from '../../bench/lib/repeat.js';

/** The bench's repetitions (issue 19, point 7): the reported run is the median one, every run is kept, and the spread is shown. */
describe('repeated', () => {
  it('runs one after another and reports the run whose ratio is the median, with the spread', async () => {
    const order: string[] = [];
    const ratios = [2.4, 1.6, 1.9];
    const r = await repeated(
      3,
      async (i) => {
        order.push(`start ${i}`);
        await new Promise((res) => setTimeout(res, 5 * (3 - i)));
        order.push(`end ${i}`);
        return { run: i, ratio: ratios[i]! };
      },
      (x) => x.ratio,
    );
    expect(order).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    expect(r.ratio).toBe(1.9);
    expect(r.run).toBe(2);
    expect(r.repetitions.map((x) => x.ratio)).toEqual([2.4, 1.6, 1.9]);
    expect(r.spread).toEqual({ min: 1.6, max: 2.4, n: 3 });
  });

  it('with an even count takes the lower middle; a run without a ratio (no baseline) sorts last and is left out of the spread', async () => {
    const ratios = [1.2, null, 0.8, 1.0];
    const r = await repeated(
      4,
      async (i) => ({ ratio: ratios[i]! }),
      (x) => x.ratio,
    );
    expect(r.ratio).toBe(1.0);
    expect(r.spread).toEqual({ min: 0.8, max: 1.2, n: 4 });
    const one = await repeated(
      1,
      async () => ({ ratio: null }),
      (x) => x.ratio,
    );
    expect(one.spread).toEqual({ min: null, max: null, n: 1 });
  });

  it('adds up what went wrong over every run: a loss in any repetition shows', async () => {
    const runs = [
      { ratio: 1.1, lost: 0, duplicates: 0, out_of_order: 0 },
      { ratio: 1.3, lost: 2, duplicates: 0, out_of_order: 1 },
      { ratio: 1.2, lost: 0, duplicates: 1, out_of_order: 0 },
    ];
    const r = await repeated(
      3,
      async (i) => runs[i]!,
      (x) => x.ratio,
    );
    expect(r.ratio).toBe(1.2);
    expect([r.lost, r.duplicates, r.out_of_order]).toEqual([2, 1, 1]);
    expect(r.repetitions[1]!.lost).toBe(2);
  });
});
