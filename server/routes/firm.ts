import { Router } from 'express';
import type { AppDeps } from '../context.js';

export function firmRouter(_deps: AppDeps): Router {
  const r = Router();
  return r;
}
