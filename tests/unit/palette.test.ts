import { describe, expect, it } from 'vitest';
import { adjustColours, checkPalette, contrast, DEFAULT_COLOURS, derivePalette, failingPairs } from '../../server/contracts/palette.js';

/** A small seeded generator (mulberry32): the same 1,000 colours on every run. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomHex = (rand: () => number) =>
  `#${Math.floor(rand() * 0x1000000)
    .toString(16)
    .padStart(6, '0')}`;

describe('the brand palette (issue 15, point 2)', () => {
  it('computes WCAG 2 contrast ratios', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#ffffff', '#ffffff')).toBe(1);
    // The WCAG reference grey on white: 4.54:1.
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('the default brand passes every pair', () => {
    expect(failingPairs(DEFAULT_COLOURS.primary, DEFAULT_COLOURS.accent)).toEqual([]);
  });

  it('names each failing pair with its ratio and the ratio it needs (text 4.5, UI 3)', () => {
    const failing = failingPairs('#ffd400', '#fff3a0');
    expect(failing.map((f) => f.name)).toContain('Links and headings on white');
    const ui = failing.find((f) => f.kind === 'ui')!;
    expect(ui.required).toBe(3);
    for (const f of failing) {
      expect(f.ratio).toBeLessThan(f.required);
      expect(f.required).toBe(f.kind === 'text' ? 4.5 : 3);
    }
  });

  it('checks every pair the app paints: button text, hover, links on white and on the page, menu highlight, accent text, accent and focus ring', () => {
    expect(checkPalette(derivePalette('#1e3a5f', '#2563eb'))).toHaveLength(8);
  });

  it('"Adjust for me" on 1,000 random colour pairs always yields an all-passing palette, keeping a passing colour as it is', () => {
    const rand = seeded(15);
    let changed = 0;
    for (let i = 0; i < 1000; i++) {
      const primary = randomHex(rand);
      const accent = randomHex(rand);
      const adjusted = adjustColours(primary, accent);
      expect(failingPairs(adjusted.primary, adjusted.accent), `${primary} ${accent} → ${adjusted.primary} ${adjusted.accent}`).toEqual([]);
      if (failingPairs(primary, accent).length === 0) expect(adjusted).toEqual({ primary, accent });
      if (adjusted.primary !== primary || adjusted.accent !== accent) changed++;
    }
    // Most random colours fail (too light for links on white): the adjustment really ran.
    expect(changed).toBeGreaterThan(500);
  });

  it('adjusts to the nearest shade: the hue survives', () => {
    const { primary } = adjustColours('#ffcc00', '#2563eb');
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(primary.slice(i, i + 2), 16));
    expect(r).toBeGreaterThan(b!); // still a yellow-orange, darkened
    expect(g).toBeGreaterThan(b!);
    expect(failingPairs(primary, '#2563eb')).toEqual([]);
  });
});
