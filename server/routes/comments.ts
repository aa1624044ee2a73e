import { Router } from 'express';
import type { AppDeps } from '../context.js';

/** Comments on findings: create, edit, delete, share internal notes, mentionable people. */
export function commentsRouter(_deps: AppDeps): Router {
  const r = Router();
  return r;
}
