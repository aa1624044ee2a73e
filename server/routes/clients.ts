import { Router } from 'express';
import type { AppDeps } from '../context.js';

export function clientsRouter(_deps: AppDeps): Router {
  const r = Router();
  return r;
}
