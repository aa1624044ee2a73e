/**
 * A live scenario's ratio read from one run proves little on a shared machine (single runs swing
 * ×2). `repeated` runs the scenario `n` times in a row — each run measures the product and then its
 * baselines, so the measurements interleave (product, raw, product, raw, …) — and reports the run
 * whose ratio is the median, with every repetition kept and the spread of the ratio.
 */
export interface Repeated<R> {
  repetitions: R[];
  spread: { min: number | null; max: number | null; n: number };
}

export async function repeated<R extends object>(n: number, run: (i: number) => Promise<R>, ratioOf: (r: R) => number | null): Promise<R & Repeated<R>> {
  const runs: R[] = [];
  for (let i = 0; i < n; i++) runs.push(await run(i));
  const ratios = runs.map(ratioOf).filter((x): x is number => x !== null && Number.isFinite(x));
  const sorted = [...runs].sort((a, b) => (ratioOf(a) ?? Infinity) - (ratioOf(b) ?? Infinity));
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return {
    ...median,
    repetitions: runs,
    spread: { min: ratios.length ? Math.min(...ratios) : null, max: ratios.length ? Math.max(...ratios) : null, n: runs.length },
  };
}
