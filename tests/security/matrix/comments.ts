import type { MatrixEntry } from './shapes.js';

/** The authorization matrix for the comments routes (joined with the core table by the runner). */
export const COMMENTS_MATRIX: MatrixEntry[] = [];
