/**
 * The one severity badge's colours (issue 18, point 18), the same for staff and portal: a light
 * tint behind dark text of the same hue, and a swatch beside the word (the word is always shown,
 * so colour is never the only signal). `tests/unit/severity-colours.test.ts` checks every text
 * pair reaches 4.5:1 and every swatch 3:1, with the same WCAG maths as the brand palette.
 */
import type { Severity } from './constants.js';

/** What a badge of one severity paints. */
export interface SeverityColours {
  /** The word's colour. */
  text: string;
  /** The badge's fill, behind the word. */
  background: string;
  /** The small square beside the word, and the badge's border. */
  swatch: string;
}

export const SEVERITY_COLOURS: Record<Severity, SeverityColours> = {
  critical: { text: '#7a0916', background: '#fde8ea', swatch: '#7a0916' },
  high: { text: '#912018', background: '#fee4e2', swatch: '#d92d20' },
  medium: { text: '#7a2e0e', background: '#fef0c7', swatch: '#b54708' },
  low: { text: '#194185', background: '#d1e9ff', swatch: '#1570ef' },
  informational: { text: '#344054', background: '#f2f4f7', swatch: '#667085' },
};
