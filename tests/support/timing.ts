/**
 * Comparing how long two kinds of request take, robustly on a shared two-core machine: the tries
 * are interleaved (alternating which kind goes first, so a drift of the machine's load hits both
 * alike), the medians compared, and the tolerance is the run-to-run spread measured in the same
 * run — how far the medians of two halves of the SAME kind of request differ — never a guess.
 */
export interface TimingComparison {
  medianA: number;
  medianB: number;
  /** |medianA − medianB| */
  gap: number;
  /** The larger of the two kinds' half-to-half median differences (the run-to-run spread). */
  spread: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
}

/** Run `a(i)` and `b(i)` `tries` times each, interleaved, and compare their durations (ms). */
async function compareTimings(tries: number, a: (i: number) => Promise<void>, b: (i: number) => Promise<void>): Promise<TimingComparison> {
  const timed = async (f: (i: number) => Promise<void>, i: number) => {
    const t = performance.now();
    await f(i);
    return performance.now() - t;
  };
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < tries; i++) {
    if (i % 2) {
      as.push(await timed(a, i));
      bs.push(await timed(b, i));
    } else {
      bs.push(await timed(b, i));
      as.push(await timed(a, i));
    }
  }
  const halves = (xs: number[]) => Math.abs(median(xs.filter((_, i) => i % 2 === 0)) - median(xs.filter((_, i) => i % 2 === 1)));
  const medianA = median(as);
  const medianB = median(bs);
  return { medianA, medianB, gap: Math.abs(medianA - medianB), spread: Math.max(halves(as), halves(bs)) };
}

/**
 * Up to `rounds` comparisons of `tries` each, stopping at the first whose gap is within
 * `tolerance(c)`: a busy moment of a shared machine (another test file, a browser) can spoil one
 * round's spread, but a real difference shows in every round. Returns every round run.
 */
export async function settleTimings(
  rounds: number,
  tries: number,
  a: (i: number) => Promise<void>,
  b: (i: number) => Promise<void>,
  tolerance: (c: TimingComparison) => number,
): Promise<{ settled: boolean; rounds: TimingComparison[] }> {
  const done: TimingComparison[] = [];
  for (let r = 0; r < rounds; r++) {
    const c = await compareTimings(tries, a, b);
    done.push(c);
    if (c.gap < tolerance(c)) return { settled: true, rounds: done };
  }
  return { settled: false, rounds: done };
}
