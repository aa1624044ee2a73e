import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../server/contracts/constants.js';
import { contrast } from '../../server/contracts/palette.js';
import { SEVERITY_COLOURS } from '../../server/contracts/severity-colours.js';

/** Issue 18, point 18: one severity badge for staff and portal, every colour pair readable (WCAG 2 AA). */
describe('severity badge colours', () => {
  it('has colours for every severity and no other', () => {
    expect(Object.keys(SEVERITY_COLOURS).sort()).toEqual([...SEVERITIES].sort());
  });

  it.each(SEVERITIES.map((s) => [s]))('%s: the word on its tint reaches 4.5:1, on white too', (severity) => {
    const c = SEVERITY_COLOURS[severity];
    expect(contrast(c.text, c.background)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(c.text, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });

  it.each(SEVERITIES.map((s) => [s]))('%s: the swatch stands out from its tint (3:1, a non-text part)', (severity) => {
    const c = SEVERITY_COLOURS[severity];
    expect(contrast(c.swatch, c.background)).toBeGreaterThanOrEqual(3);
  });

  it('the check itself fails a pale pair (so the tests above can fail)', () => {
    expect(contrast('#f79009', '#fef0c7')).toBeLessThan(4.5);
  });

  it('no two severities share a tint, so the badges tell them apart at a glance', () => {
    expect(new Set(Object.values(SEVERITY_COLOURS).map((c) => c.background)).size).toBe(SEVERITIES.length);
  });
});
