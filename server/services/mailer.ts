import nodemailer from 'nodemailer';
import type { Kysely, Transaction } from 'kysely';
import type { Database, MailRow } from '../../db/schema.js';
import type { Db } from '../../db/client.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { claimDueMail, finishMail, giveBack, insertMail, releaseExpiredLeases } from '../repositories/mail-outbox.js';
import { loadBrand } from '../repositories/brand.js';
import { DEFAULT_COLOURS, derivePalette } from '../contracts/palette.js';
import { publicMessages } from '../messages.js';
import { LOGO_CID, renderMailHtml } from './mail-html.js';
import { readStoredFile } from './storage.js';

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
  // The brand as it is now is fixed into the mail: a mail queued before a crash (or a brand change) is sent the same.
  const { brand, images, firmName } = await loadBrand(db);
  const messages = await publicMessages(db);
  const logo = images.find((i) => i.id === brand?.logo_light);
  const html = renderMailHtml({
    firmName: firmName ?? 'Debrief',
    subject: mail.subject,
    text: mail.text,
    palette: derivePalette(brand?.primary_colour ?? DEFAULT_COLOURS.primary, brand?.accent_colour ?? DEFAULT_COLOURS.accent),
    logo: logo ? { width: logo.width, height: logo.height } : null,
    footerHtml: messages.footerHtml,
  });
  await insertMail(db, {
    to_address: mail.to,
    subject: mail.subject,
    text_body: messages.footerText ? `${mail.text.trimEnd()}\n\n--\n${messages.footerText}\n` : mail.text,
    html_body: html,
    logo_file: logo?.file_2x ?? null,
    from_name: firmName ?? null,
    kind: mail.kind,
    status: smtp ? 'pending' : 'stored',
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
  });
}

const MAX_ATTEMPTS = 8;
/** Mails that carry a live secret link: once delivered by SMTP, their body is not kept. */
const SECRET_KINDS = new Set(['invitation', 'password_reset', 'email_change']);
/** How many mails one claim takes. */
const BATCH = 50;
/** How long a claim holds its mails; past it, a mail not yet sent is pending again (its mailer died mid-send). */
export const MAIL_LEASE_MS = 5 * 60_000;
/** No send starts with less than this left of the lease: a slow send ends well before another mailer could take the mail. */
const LEASE_MARGIN_MS = 3 * 60_000;
/** Batches one round delivers at most (the timer's next round goes on). */
const MAX_BATCHES = 20;

export interface Mailer {
  /** Deliver every due pending mail (after commit; never inside a transaction). */
  deliverDue(): Promise<void>;
  stop(): void;
}

/** What the mailer is built from (a slice of the app's deps, declared here so the mailer does not depend on them). */
export interface MailerDeps {
  db: Db;
  config: Config;
  logger: Logger;
  clock: () => number;
}

/**
 * Delivers the outbox through nodemailer when SMTP_URL is set. Failures are retried with
 * back-off (1 min, 2, 4 … up to 8 attempts), never undoing the action that queued the mail.
 * Every instance runs one; each mail is sent by one of them: a mailer claims a batch (status
 * `sending` with a lease, see `claimDueMail`), sends it outside any transaction, then records the
 * outcome of each mail it still holds. A mail whose lease ran out goes back to pending and is sent
 * by whichever mailer claims it next (at least once: if its mailer died after the SMTP server took
 * it but before recording so, it goes out again).
 */
export function createMailer(deps: MailerDeps): Mailer {
  const transport = deps.config.smtpUrl ? nodemailer.createTransport(deps.config.smtpUrl) : null;
  let running: Promise<void> | null = null;
  const send = async (m: MailRow, lease: number) => {
    if (!transport) return;
    const recorded = (ok: boolean) => ok || deps.logger.warn({ mailId: m.id }, 'mail lease lost before its outcome was recorded');
    try {
      await transport.sendMail(await message(deps.config, m));
      const secret = SECRET_KINDS.has(m.kind);
      const body = secret ? '[delivered; the link it carried is not kept]' : m.text_body;
      const html = secret ? null : m.html_body;
      recorded(
        await finishMail(deps.db, m.id, lease, {
          status: 'sent',
          sent_at: deps.clock(),
          attempts: m.attempts + 1,
          last_error: null,
          text_body: body,
          html_body: html,
        }),
      );
    } catch (err) {
      const attempts = m.attempts + 1;
      const status = attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
      deps.logger.warn({ mailId: m.id, attempts, err: (err as Error).message }, 'mail delivery failed');
      const next = deps.clock() + 60_000 * 2 ** (attempts - 1);
      recorded(await finishMail(deps.db, m.id, lease, { status, attempts, last_error: String((err as Error).message).slice(0, 500), next_attempt_at: next }));
    }
  };
  const sendBatch = async (claimed: MailRow[], lease: number) => {
    for (const [i, m] of claimed.entries()) {
      // Too little of the lease left for another send: the rest go back to pending, for the next claim.
      if (deps.clock() > lease - LEASE_MARGIN_MS) return giveBack(deps.db, claimed.slice(i), lease);
      await send(m, lease);
    }
  };
  const run = async () => {
    if (!transport) return;
    await releaseExpiredLeases(deps.db, deps.clock());
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const lease = deps.clock() + MAIL_LEASE_MS;
      const claimed = await claimDueMail(deps.db, deps.clock(), lease, BATCH);
      await sendBatch(claimed, lease);
      if (claimed.length < BATCH) return;
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

/** The configured sender's address (MAIL_FROM is "Name <address>" or a bare address). */
function fromAddress(mailFrom: string): string {
  return /<([^>]+)>/.exec(mailFrom)?.[1]?.trim() ?? mailFrom.trim();
}

/**
 * One outbox row as nodemailer's message: the text part, the HTML part beside it (multipart/
 * alternative), the logo as an inline attachment the HTML shows by Content-ID (multipart/related;
 * never a remote URL), and the firm's name as the From display name (nodemailer encodes it).
 */
async function message(config: Config, m: MailRow): Promise<nodemailer.SendMailOptions> {
  const logo = m.html_body && m.logo_file ? await readStoredFile(config.uploadsDir, m.logo_file) : null;
  return {
    from: m.from_name ? { name: m.from_name, address: fromAddress(config.mailFrom) } : config.mailFrom,
    to: m.to_address,
    subject: m.subject,
    text: m.text_body,
    ...(m.html_body ? { html: m.html_body } : {}),
    ...(logo ? { attachments: [{ filename: 'logo.png', content: logo, contentType: 'image/png', cid: LOGO_CID, contentDisposition: 'inline' as const }] } : {}),
  };
}
