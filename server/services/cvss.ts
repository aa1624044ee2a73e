import cvssLibrary from 'ae-cvss-calculator';

// The library is CommonJS: Node's ESM loader only offers its default export.
const { Cvss3P1, Cvss4P0 } = cvssLibrary;

/** A validated CVSS vector and the score the library derived from it (never typed in by a person). */
export interface CvssResult {
  version: '3.1' | '4.0';
  vector: string;
  score: number;
}

const BASE_METRICS = {
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
} as const;

/**
 * Validate a CVSS v3.1 or v4.0 vector and score it with ae-cvss-calculator. The library accepts
 * some malformed input (repeated or missing metrics), so the shape is checked here first: the
 * prefix, `KEY:VALUE` parts, no metric twice, every base metric present. Returns a message on failure.
 */
export function scoreCvss(input: string): CvssResult | { error: string } {
  const vector = input.trim();
  const m = /^CVSS:(3\.1|4\.0)\/(.+)$/.exec(vector);
  if (!m) return { error: 'Use a CVSS:3.1/… or CVSS:4.0/… vector.' };
  const version = m[1] as '3.1' | '4.0';
  const parts = m[2]!.split('/');
  const seen = new Set<string>();
  for (const p of parts) {
    const kv = /^([A-Za-z]+):([A-Za-z]+)$/.exec(p);
    if (!kv) return { error: `"${p}" is not a metric (expected KEY:VALUE).` };
    if (seen.has(kv[1]!)) return { error: `Metric ${kv[1]} appears twice.` };
    seen.add(kv[1]!);
  }
  const missing = BASE_METRICS[version].filter((k) => !seen.has(k));
  if (missing.length) return { error: `Missing base metric${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}.` };
  try {
    const cvss = version === '3.1' ? new Cvss3P1(vector) : new Cvss4P0(vector);
    const score = cvss.calculateScores().overall;
    if (typeof score !== 'number' || Number.isNaN(score)) return { error: 'This vector cannot be scored.' };
    return { version, vector, score: Math.round(score * 10) / 10 };
  } catch (err) {
    return { error: `Invalid vector: ${(err as Error).message}.` };
  }
}
