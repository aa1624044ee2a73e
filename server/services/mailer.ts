import nodemailer from 'nodemailer';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Db } from '../../db/client.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { insertMail } from '../repositories/mail-outbox.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** What it is for: invitation, password_reset, mention … (shown in the admin's outbox). */
  kind: string;
}

/**
 * Put a mail in the outbox, inside the caller's transaction: it exists if and only if the action
 * that caused it committed. With SMTP configured it is `pending` until delivered; without, it is
 * `stored` and admins read it in the outbox page (so invitations work on the embedded default).
 */
export async function queueMail(db: Kysely<Database> | Transaction<Database>, mail: Mail, now: number, smtp: boolean): Promise<void> {
  await insertMail(db, {
    to_address: mail.to,
    subject: mail.subject,
    text_body: mail.text,
    kind: mail.kind,
    status: smtp ? 'pending' : 'stored',
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
  });
}

const MAX_ATTEMPTS = 8;
/** Mails that carry a live secret link: once delivered by SMTP, their body is not kept. */
const SECRET_KINDS = new Set(['invitation', 'password_reset']);

export interface Mailer {
  /** Deliver every due pending mail (after commit; never inside a transaction). */
  deliverDue(): Promise<void>;
  stop(): void;
}

/**
 * Delivers the outbox through nodemailer when SMTP_URL is set. Failures are retried with
 * back-off (1 min, 2, 4 … up to 8 attempts), never undoing the action that queued the mail.
 */
/** What the mailer is built from (a slice of the app's deps, declared here so the mailer does not depend on them). */
export interface MailerDeps {
  db: Db;
  config: Config;
  logger: Logger;
  clock: () => number;
}

export function createMailer(deps: MailerDeps): Mailer {
  const transport = deps.config.smtpUrl ? nodemailer.createTransport(deps.config.smtpUrl) : null;
  let running: Promise<void> | null = null;
  const run = async () => {
    if (!transport) return;
    const due = await deps.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', deps.clock())
      .orderBy('id')
      .limit(50)
      .execute();
    for (const m of due) {
      try {
        await transport.sendMail({ from: deps.config.mailFrom, to: m.to_address, subject: m.subject, text: m.text_body });
        const body = SECRET_KINDS.has(m.kind) ? '[delivered; the link it carried is not kept]' : m.text_body;
        await deps.db
          .updateTable('mail_outbox')
          .set({ status: 'sent', sent_at: deps.clock(), attempts: m.attempts + 1, last_error: null, text_body: body })
          .where('id', '=', m.id)
          .execute();
      } catch (err) {
        const attempts = m.attempts + 1;
        const status = attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
        deps.logger.warn({ mailId: m.id, attempts, err: (err as Error).message }, 'mail delivery failed');
        await deps.db
          .updateTable('mail_outbox')
          .set({ status, attempts, last_error: String((err as Error).message).slice(0, 500), next_attempt_at: deps.clock() + 60_000 * 2 ** (attempts - 1) })
          .where('id', '=', m.id)
          .execute();
      }
    }
  };
  const timer = transport ? setInterval(() => void mailer.deliverDue(), 30_000) : null;
  timer?.unref();
  const mailer: Mailer = {
    deliverDue() {
      running ??= run()
        .catch((err) => deps.logger.error({ err }, 'mail delivery loop failed'))
        .finally(() => (running = null));
      return running;
    },
    stop() {
      if (timer) clearInterval(timer);
      transport?.close();
    },
  };
  return mailer;
}
