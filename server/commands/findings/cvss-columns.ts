import { validationFailed } from '../../errors.js';
import { scoreCvss } from '../../services/cvss.js';

/** The stored CVSS columns. */
export interface CvssColumns {
  cvss_vector: string | null;
  cvss_version: '3.1' | '4.0' | null;
  cvss_score: number | null;
}

/**
 * Validate and score a vector with the CVSS library; the score is always derived here, never
 * taken from a request. An empty vector clears CVSS. An invalid one is 400 on `cvssVector`.
 */
export function cvssColumns(vector: string | null): CvssColumns {
  if (vector === null || vector.trim() === '') return { cvss_vector: null, cvss_version: null, cvss_score: null };
  const r = scoreCvss(vector);
  if ('error' in r) throw validationFailed(`cvssVector: ${r.error}`, [{ path: 'cvssVector', message: r.error }]);
  return { cvss_vector: r.vector, cvss_version: r.version, cvss_score: r.score };
}
