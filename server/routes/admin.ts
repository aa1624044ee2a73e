import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { outbox } from '../queries/account.js';

/** Admin tools. The outbox is how invitation links reach people when no SMTP server is configured. */
export function adminRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /admin/outbox', async ({ req }) => ({ mails: await outbox(deps, commandContextOf(req)) }));

  return r;
}
