/**
 * Delivery accounting, per socket: what it was owed against what it got. Every received marker
 * counts once as a delivery; a second copy of a tag is a duplicate (not a delivery), a tag owed
 * but never seen is lost, and an arrival whose log position is lower than one already seen on
 * that socket is out of order. Pure functions, so tests can feed them injected faults.
 */

export interface Arrival {
  tag: string;
  position: number;
}

export interface Tally {
  /** Distinct owed tags that arrived (each counted once). */
  deliveries: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  /** Tags that arrived but were never owed (another client's, a stale run's). */
  unexpected: number;
}

export const emptyTally = (): Tally => ({ deliveries: 0, lost: 0, duplicates: 0, outOfOrder: 0, unexpected: 0 });

/** Account one socket's arrivals against the tags it was owed. */
export function accountSocket(owed: ReadonlySet<string>, arrivals: readonly Arrival[]): Tally {
  const t = emptyTally();
  const seen = new Set<string>();
  let high = -Infinity;
  for (const a of arrivals) {
    if (a.position >= 0) {
      if (a.position < high) t.outOfOrder++;
      else high = a.position;
    }
    if (seen.has(a.tag)) {
      t.duplicates++;
      continue;
    }
    seen.add(a.tag);
    if (owed.has(a.tag)) t.deliveries++;
    else t.unexpected++;
  }
  for (const tag of owed) if (!seen.has(tag)) t.lost++;
  return t;
}

/** Sum tallies. */
export function addTallies(...ts: Tally[]): Tally {
  const s = emptyTally();
  for (const t of ts) {
    s.deliveries += t.deliveries;
    s.lost += t.lost;
    s.duplicates += t.duplicates;
    s.outOfOrder += t.outOfOrder;
    s.unexpected += t.unexpected;
  }
  return s;
}

/** Faults a test asks a receiver to inject into its records before accounting (proves detection). */
export interface Faults {
  /** Drop the first arrival of this many sockets. */
  drop?: number;
  /** Repeat the first arrival of this many sockets. */
  duplicate?: number;
  /** Swap the first two arrivals of this many sockets. */
  swap?: number;
}

/** Apply injected faults to per-socket arrival lists (in place). */
export function injectFaults(perSocket: Arrival[][], f: Faults): void {
  let i = 0;
  const take = (n = 0, min: number, fn: (a: Arrival[]) => void) => {
    for (let k = 0; k < n && i < perSocket.length; i++) {
      if (perSocket[i]!.length >= min) {
        fn(perSocket[i]!);
        k++;
      }
    }
  };
  take(f.drop, 1, (a) => void a.shift());
  take(f.duplicate, 1, (a) => void a.splice(1, 0, { ...a[0]! }));
  take(f.swap, 2, (a) => void ([a[0], a[1]] = [a[1]!, a[0]!]));
}

/** Percentile (nearest rank) of an ascending-sorted array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** p50/p99/max of a sample (ms), rounded to 0.1 ms. */
export function summarize(samples: ArrayLike<number>): { n: number; p50: number; p99: number; max: number } {
  const s = Float64Array.from(samples as ArrayLike<number>).sort();
  const r = (v: number) => Math.round(v * 10) / 10;
  return { n: s.length, p50: r(percentile(s, 50)), p99: r(percentile(s, 99)), max: r(s.length ? s[s.length - 1]! : NaN) };
}
