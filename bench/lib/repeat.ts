/**
 * A live scenario's ratio read from one run proves little on a shared machine (single runs swing
 * ×2). `repeated` runs the scenario `n` times in a row — each run measures the product and then its
 * baselines, so the measurements interleave (product, raw, product, raw, …) — and reports the run
 * whose ratio is the median, with every repetition kept and the spread of the ratio. Counts of
 * what went wrong (`lost`, `duplicates`, `out_of_order`) are the sum over every repetition, so a
 * message lost in any run is never hidden behind the median one.
 */
export interface Repeated<R> {
  repetitions: R[];
  spread: { min: number | null; max: number | null; n: number };
}

const FAILURE_COUNTS = ['lost', 'duplicates', 'out_of_order'];

export async function repeated<R extends object>(n: number, run: (i: number) => Promise<R>, ratioOf: (r: R) => number | null): Promise<R & Repeated<R>> {
  const runs: R[] = [];
  for (let i = 0; i < n; i++) runs.push(await run(i));
  const ratios = runs.map(ratioOf).filter((x): x is number => x !== null && Number.isFinite(x));
  const sorted = [...runs].sort((a, b) => (ratioOf(a) ?? Infinity) - (ratioOf(b) ?? Infinity));
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const failures: Record<string, number> = {};
  for (const key of FAILURE_COUNTS) {
    const counts = runs.map((r) => (r as Record<string, unknown>)[key]).filter((x): x is number => typeof x === 'number');
    if (counts.length) failures[key] = counts.reduce((a, b) => a + b, 0);
  }
  return {
    ...median,
    ...failures,
    repetitions: runs,
    spread: { min: ratios.length ? Math.min(...ratios) : null, max: ratios.length ? Math.max(...ratios) : null, n: runs.length },
  };
}
