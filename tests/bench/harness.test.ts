import { afterAll, describe, expect, it } from 'vitest';
import { accountSocket, injectFaults, type Arrival } from '../../bench/lib/accounting.js';
import { poolCache, type BenchContext } from '../../bench/lib/context.js';
import { catchup } from '../../bench/scenarios/catchup.js';
import { fanout } from '../../bench/scenarios/fanout.js';
import { removeDataDirs } from '../../bench/lib/server.js';

/**
 * The bench harness at small scale, against the real production build (npm test builds it):
 * its fanout and catchup scenarios with 20 sockets in receiver processes, and the accounting
 * that turns what arrived into deliveries, lost, duplicates and out-of-order — which must count
 * every delivery once and detect each kind of fault when one is injected.
 */

const SOCKETS = 20;
const pools = poolCache(120_000);
const ctx: BenchContext = { quick: true, cpuProf: false, log: () => {}, maxLifeMs: 120_000, pool: pools.pool };
afterAll(async () => {
  await pools.stop();
  removeDataDirs();
});

describe('bench accounting', () => {
  const a = (tag: string, position: number): Arrival => ({ tag, position });
  it('counts each owed delivery once and tells lost, duplicate, out-of-order and unexpected apart', () => {
    const owed = new Set(['a', 'b', 'c', 'd']);
    expect(accountSocket(owed, [a('a', 1), a('b', 2), a('c', 3), a('d', 4)])).toEqual({ deliveries: 4, lost: 0, duplicates: 0, outOfOrder: 0, unexpected: 0 });
    expect(accountSocket(owed, [a('a', 1), a('a', 1), a('c', 3), a('b', 2), a('x', 9)])).toEqual({
      deliveries: 3,
      lost: 1,
      duplicates: 1,
      outOfOrder: 1,
      unexpected: 1,
    });
  });

  it('injects exactly the faults asked for', () => {
    const lists = Array.from({ length: 6 }, () => [a('a', 1), a('b', 2), a('c', 3)]);
    injectFaults(lists, { drop: 1, duplicate: 2, swap: 3 });
    const owed = new Set(['a', 'b', 'c']);
    const t = lists
      .map((l) => accountSocket(owed, l))
      .reduce((s, x) => ({ lost: s.lost + x.lost, dup: s.dup + x.duplicates, ooo: s.ooo + x.outOfOrder }), { lost: 0, dup: 0, ooo: 0 });
    expect(t).toEqual({ lost: 1, dup: 2, ooo: 3 });
  });
});

describe('bench scenarios at 20 sockets', () => {
  it('fanout: every comment reaches every socket once, in order, with a latency each', async () => {
    const { result, tally } = await fanout(ctx, { sockets: SOCKETS, posts: 10, warmup: 2, receivers: 2, baselines: false });
    expect(result.sockets).toBe(SOCKETS);
    expect(tally).toEqual({ deliveries: SOCKETS * 10, lost: 0, duplicates: 0, outOfOrder: 0, unexpected: 0 });
    expect(result.p99_ms).toBeGreaterThan(0);
    expect(result.p50_ms!).toBeLessThanOrEqual(result.p99_ms!);
  });

  it('fanout: injected loss, duplicates and reordering are detected and counted', async () => {
    const { tally } = await fanout(ctx, { sockets: SOCKETS, posts: 5, warmup: 1, receivers: 2, baselines: false, faults: { drop: 2, duplicate: 3, swap: 4 } });
    expect(tally).toMatchObject({ deliveries: SOCKETS * 5 - 2, lost: 2, duplicates: 3, outOfOrder: 4 });
  });

  it('catchup: after a cut and a restart, each missed event arrives once, in order', async () => {
    const { result, tally } = await catchup(ctx, { sockets: SOCKETS, events: 30, receivers: 2 });
    expect(result).toMatchObject({ sockets: SOCKETS, events: 30, lost: 0, duplicates: 0, out_of_order: 0, reconnect_failures: 0 });
    expect(tally.deliveries).toBe(SOCKETS * 30);
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.connect_seconds).toBeGreaterThan(0);
  });

  it('catchup: injected faults are detected', async () => {
    const { result } = await catchup(ctx, { sockets: SOCKETS, events: 6, receivers: 2, faults: { drop: 1, duplicate: 1, swap: 2 } });
    expect(result).toMatchObject({ lost: 1, duplicates: 1, out_of_order: 2 });
  });
});
