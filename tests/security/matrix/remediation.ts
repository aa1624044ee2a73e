import type { MatrixEntry } from './shapes.js';

/** The authorization matrix for the remediation routes (joined with the core table by the runner). */
export const REMEDIATION_MATRIX: MatrixEntry[] = [];
