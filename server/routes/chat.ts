import { Router } from 'express';
import type { AppDeps } from '../context.js';

/** The client chat channel over HTTP: history, sends, edits, deletes, read positions, attachments. */
export function chatRouter(_deps: AppDeps): Router {
  const r = Router();
  return r;
}
