import { Router } from 'express';
import type { AppDeps } from '../context.js';

/** In-app notifications: list, unread count, mark read. */
export function notificationsRouter(_deps: AppDeps): Router {
  const r = Router();
  return r;
}
