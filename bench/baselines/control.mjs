// What both baselines share with the bench that forks them: IPC {cmd:'rss'} → {ev:'rss', rssKb}
// after GC (run with `node --expose-gc`), {cmd:'exit'}; they exit when the bench goes away or
// after MAX_LIFE_MS, and say {ev:'ready'} once listening.
import { readFileSync } from 'node:fs';

const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);

/** Answer the bench's IPC and bound this process's life. Returns the "ready" announcer. */
export function underBench() {
  process.on('message', async (m) => {
    if (m?.cmd === 'rss') {
      globalThis.gc?.();
      globalThis.gc?.();
      await new Promise((r) => setTimeout(r, 500));
      process.send({ ev: 'rss', rssKb: rssKb() });
    }
    if (m?.cmd === 'exit') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => process.exit(3), Number(process.env.MAX_LIFE_MS ?? 1_800_000)).unref();
  return () => process.send({ ev: 'ready' });
}
