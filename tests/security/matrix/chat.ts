import type { MatrixEntry } from './shapes.js';

/** The authorization matrix for the chat routes (joined with the core table by the runner). */
export const CHAT_MATRIX: MatrixEntry[] = [];
