import type { MatrixEntry } from './shapes.js';

/** The authorization matrix for the notifications routes (joined with the core table by the runner). */
export const NOTIFICATIONS_MATRIX: MatrixEntry[] = [];
