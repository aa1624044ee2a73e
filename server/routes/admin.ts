import { Router } from 'express';
import type { AppDeps } from '../context.js';
import type { MailRow } from '../../db/schema.js';
import type { OutboxMailDTO } from '../contracts/users.js';
import { commandContextOf } from '../middleware/command-context.js';
import { authorize } from '../policies/index.js';

/** How many mails the outbox page shows (newest first). */
const OUTBOX_LIMIT = 200;

function presentMail(m: MailRow): OutboxMailDTO {
  return {
    id: m.id,
    to: m.to_address,
    subject: m.subject,
    kind: m.kind,
    status: m.status,
    createdAt: m.created_at,
    sentAt: m.sent_at,
    lastError: m.last_error,
    body: m.text_body,
  };
}

/** Admin tools. The outbox is how invitation links reach people when no SMTP server is configured. */
export function adminRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/admin/outbox', async (req, res) => {
    const ctx = commandContextOf(req);
    authorize(ctx.viewer.user, 'outbox.read');
    const rows = await deps.db.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').limit(OUTBOX_LIMIT).execute();
    res.json({ mails: rows.map(presentMail) });
  });

  return r;
}
