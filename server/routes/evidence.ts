import { Router } from 'express';
import type { AppDeps } from '../context.js';

export function evidenceRouter(_deps: AppDeps): Router {
  const r = Router();
  return r;
}
