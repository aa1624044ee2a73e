import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralLow, freePort } from '../support/app.js';

/**
 * The tests' servers take their port from `freePort` before they listen. A port in the kernel's
 * ephemeral range can be taken meanwhile as the source port of any outgoing connection of a busy
 * suite (a CI run failed with EADDRINUSE so), so ports come from below that range.
 */
describe('freePort', () => {
  it('gives ports below the ephemeral range that something can listen on', async () => {
    const low = ephemeralLow();
    expect(low, 'this machine names its ephemeral range').not.toBeNull();
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeLessThan(low!);
      expect(port).toBeGreaterThanOrEqual(low! - 10_000);
      const s = createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((r) => s.close(r));
    }
  });
});
