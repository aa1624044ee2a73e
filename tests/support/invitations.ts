import type { MailRow } from '../../db/schema.js';
import type { TestApp } from './app.js';

/** The mails sent to an address, newest first (read from the outbox table, as the embedded default stores them). */
export async function mailsTo(app: TestApp, to: string): Promise<MailRow[]> {
  return app.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to.toLowerCase()).orderBy('id', 'desc').execute();
}

/** The invitation link in a mail body (absolute URL), or throws. */
export function inviteLinkIn(body: string): string {
  const m = body.match(/https?:\/\/\S+\/invite\/[A-Za-z0-9%_-]+/);
  if (!m) throw new Error(`no invitation link in mail:\n${body}`);
  return m[0];
}

/** The token of the newest invitation mailed to `to`. */
export async function inviteTokenFor(app: TestApp, to: string): Promise<string> {
  const [mail] = await mailsTo(app, to);
  if (!mail) throw new Error(`no mail to ${to}`);
  return decodeURIComponent(inviteLinkIn(mail.text_body).split('/invite/')[1]!);
}

/**
 * A snapshot of the tables these features write, to prove a refused request changed nothing.
 * `sessions: false` leaves sessions out (after a clock jump the sweeper removes expired ones on its own).
 */
export async function snapshot(app: TestApp, opts: { sessions?: boolean } = {}): Promise<string> {
  const [users, invitations, clients, mails, sessions] = await Promise.all([
    app.db.selectFrom('users').select(['id', 'email', 'name', 'role', 'status', 'password_hash', 'client_id']).orderBy('id').execute(),
    app.db.selectFrom('invitations').select(['id', 'user_id', 'used_at', 'voided_at']).orderBy('id').execute(),
    app.db.selectFrom('clients').selectAll().orderBy('id').execute(),
    app.db.selectFrom('mail_outbox').select(['id']).orderBy('id').execute(),
    app.db.selectFrom('sessions').select(['id']).orderBy('id').execute(),
  ]);
  return JSON.stringify({ users, invitations, clients, mails, sessions: opts.sessions === false ? null : sessions });
}

/** Audit rows with a given action, oldest first. */
export async function auditRows(app: TestApp, action: string) {
  return app.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();
}
