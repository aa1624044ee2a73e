import { Router } from 'express';
import type { AppDeps } from '../context.js';

export function projectsRouter(_deps: AppDeps): Router {
  const r = Router();
  return r;
}
