/**
 * The brand palette (issue 15, point 2): every colour the app paints with is derived from two
 * chosen colours, and every text/background and UI pair it uses is checked against WCAG 2 AA.
 * Pure and dependency-free, so the server (which refuses a failing scheme) and the browser (which
 * previews unsaved values) compute the very same palette.
 */

/** The default brand: Debrief's own navy and blue. */
export const DEFAULT_COLOURS = { primary: '#1e3a5f', accent: '#2563eb' } as const;

/** Fixed surfaces of the app (client/app.css) the brand colours sit on. */
const WHITE = '#ffffff';
const PAGE = '#f6f7f9';
const DARK_TEXT = '#111827';

/** The derived tokens, named after the CSS custom properties they fill. */
export interface Palette {
  brand: string;
  brandHover: string;
  brandSoft: string;
  onBrand: string;
  accent: string;
  onAccent: string;
  focus: string;
}

/** One checked pair: text (4.5:1) or a large text / UI part (3:1). */
export interface PairCheck {
  name: string;
  foreground: string;
  background: string;
  kind: 'text' | 'ui';
  /** Which chosen colour the pair depends on. */
  of: 'primary' | 'accent';
  ratio: number;
  required: number;
  passes: boolean;
}

type Rgb = [number, number, number];

function rgbOf(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hexOf([r, g, b]: Rgb): string {
  const c = (v: number) =>
    Math.round(Math.min(255, Math.max(0, v)))
      .toString(16)
      .padStart(2, '0');
  return `#${c(r)}${c(g)}${c(b)}`;
}

/** WCAG 2 relative luminance. */
function luminance(hex: string): number {
  const [r, g, b] = rgbOf(hex).map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `a` moved towards `b` by `t` (0..1), in sRGB. */
function mix(a: string, b: string, t: number): string {
  const x = rgbOf(a);
  const y = rgbOf(b);
  return hexOf([0, 1, 2].map((i) => x[i]! + (y[i]! - x[i]!) * t) as Rgb);
}

/** White or near-black, whichever reads better on `bg`. */
function textOn(bg: string): string {
  return contrast(WHITE, bg) >= contrast(DARK_TEXT, bg) ? WHITE : DARK_TEXT;
}

/** Every token from the two chosen colours. */
export function derivePalette(primary: string, accent: string): Palette {
  const onBrand = textOn(primary);
  // Hovering moves away from the button's text colour, so the hovered button reads at least as well.
  const brandHover = mix(primary, onBrand === WHITE ? '#000000' : WHITE, 0.15);
  return { brand: primary, brandHover, brandSoft: mix(primary, WHITE, 0.9), onBrand, accent, onAccent: textOn(accent), focus: accent };
}

const TEXT = 4.5;
const UI = 3;

/** Every pair the app paints, with its ratio and whether it passes AA. */
export function checkPalette(p: Palette): PairCheck[] {
  const pair = (name: string, foreground: string, background: string, kind: 'text' | 'ui', of: PairCheck['of'] = 'primary'): PairCheck => {
    // Rounded down, so a ratio shown as passing really does.
    const ratio = Math.floor(contrast(foreground, background) * 100) / 100;
    const required = kind === 'text' ? TEXT : UI;
    return { name, foreground, background, kind, of, ratio, required, passes: ratio >= required };
  };
  return [
    pair('Button text on the primary colour', p.onBrand, p.brand, 'text'),
    pair('Button text on the hovered primary colour', p.onBrand, p.brandHover, 'text'),
    pair('Links and headings on white', p.brand, WHITE, 'text'),
    pair('Links on the page background', p.brand, PAGE, 'text'),
    pair('Current menu item on its highlight', p.brand, p.brandSoft, 'text'),
    pair('Text on the accent colour', p.onAccent, p.accent, 'text', 'accent'),
    pair('Accent parts (focus ring, badges) on white', p.accent, WHITE, 'ui', 'accent'),
    pair('Focus ring on the page background', p.focus, PAGE, 'ui', 'accent'),
  ];
}

/** The pairs a scheme fails (empty: it may be saved). */
export function failingPairs(primary: string, accent: string): PairCheck[] {
  return checkPalette(derivePalette(primary, accent)).filter((c) => !c.passes);
}

function hslOf(hex: string): [number, number, number] {
  const [r, g, b] = rgbOf(hex).map((v) => v / 255) as Rgb;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  const h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [h / 6, s, l];
}

function hexOfHsl(h: number, s: number, l: number): string {
  if (s === 0) return hexOf([l * 255, l * 255, l * 255]);
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const channel = (t: number) => {
    const u = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    if (u < 1 / 6) return p + (q - p) * 6 * u;
    if (u < 1 / 2) return q;
    if (u < 2 / 3) return p + (q - p) * (2 / 3 - u) * 6;
    return p;
  };
  return hexOf([channel(h + 1 / 3) * 255, channel(h) * 255, channel(h - 1 / 3) * 255]);
}

/**
 * The shade of `colour` (same hue and saturation, lightness moved as little as possible) for which
 * `ok` holds. Black satisfies every check here, so a passing shade always exists.
 */
function nearestShade(colour: string, ok: (c: string) => boolean): string {
  if (ok(colour)) return colour;
  const [h, s, l] = hslOf(colour);
  // Steps of 0.2% lightness: finer than one step of an 8-bit channel, so no shade is skipped.
  for (let step = 1; step <= 500; step++) {
    for (const candidate of [l - step / 500, l + step / 500]) {
      if (candidate < 0 || candidate > 1) continue;
      const hex = hexOfHsl(h, s, candidate);
      if (ok(hex)) return hex;
    }
  }
  return '#000000';
}

/**
 * "Adjust for me": the nearest shades of the two colours for which every pair passes. The primary
 * is adjusted first (its pairs do not involve the accent), then the accent.
 */
export function adjustColours(primary: string, accent: string): { primary: string; accent: string } {
  const primaryOk = (c: string) => checkPalette(derivePalette(c, accent)).every((x) => x.passes || x.of === 'accent');
  const p = nearestShade(primary, primaryOk);
  const a = nearestShade(accent, (c) => failingPairs(p, c).length === 0);
  return { primary: p, accent: a };
}
