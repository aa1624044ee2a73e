import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff } from '../support/factories.js';
import { inviteLinkIn } from '../support/invitations.js';
import {
  consumeInvitation,
  contextualPasswordProblem,
  createInvitation,
  findValidInvitation,
  INVALID_INVITATION,
  voidInvitations,
  type InvitationContext,
} from '../../server/auth/invitations.js';
import type { UserRow } from '../../db/schema.js';

/**
 * Invitation links and their mail (server/auth/invitations.ts), with exact times (the functions
 * take `now`): what the mail says to a portal user and to staff, that a held invitation mails
 * nothing, the moment a link stops working, every way it is bound to the account it was made for,
 * what using it changes, and which passwords are refused as built on the context.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const T = 1_800_000_000_000;
const DAY = 86_400_000;
const invitationsOf = (userId: string) => app.db.selectFrom('invitations').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
const mailsTo = (to: string) => app.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).orderBy('id').execute();

function ctx(user: UserRow, over: Partial<InvitationContext> = {}): InvitationContext {
  return { user, firmName: 'Acme Security', clientName: null, inviterName: null, invitedBy: null, ...over };
}

/** Make an invitation for a user and return its token (read from the mail, as the invitee would). */
async function invite(user: UserRow, at = T, over: Partial<InvitationContext> = {}): Promise<string> {
  await createInvitation(app.db, app.config, ctx(user, over), at);
  const mail = (await mailsTo(user.email)).at(-1)!;
  return decodeURIComponent(inviteLinkIn(mail.text_body).split('/invite/')[1]!);
}

describe('the invitation mail', () => {
  it('to a portal user: names the inviter, the client and the firm, the link, its expiry and the second factor to come', async () => {
    const client = await buildClient(app.db, { name: 'Contoso' });
    const admin = await buildStaff(app.db, { role: 'admin' });
    const user = await buildPortalUser(app.db, { client_id: client.id, status: 'invited', password_hash: null, name: 'Pat Doe' });
    const token = await invite(user, T, { clientName: 'Contoso', inviterName: 'Ada Admin', invitedBy: admin.id });
    const [mail] = await mailsTo(user.email);
    expect(mail).toMatchObject({ kind: 'invitation', subject: 'Acme Security invited you to the Contoso portal', status: 'stored' });
    expect(mail!.text_body).toBe(
      [
        'Hello Pat Doe,',
        '',
        'Ada Admin has invited you to the Contoso client portal of Acme Security.',
        '',
        'Open this link to choose your password and activate your account:',
        `${app.config.publicUrl}/invite/${token}`,
        '',
        `The link can be used once and expires on ${new Date(T + app.config.inviteTtlMs).toUTCString()}.`,
        'After choosing a password you will set up two-factor authentication with an authenticator app.',
        '',
        'If you did not expect this invitation, you can ignore this message.',
        // The firm's footer (custom messages; here the default), after a signature separator.
        '',
        '--',
        'Shared with you by Acme Security. This portal holds confidential security information: please keep it within your organisation.',
        '',
      ].join('\n'),
    );
    const [row] = await invitationsOf(user.id);
    expect(row).toMatchObject({
      email: user.email,
      client_id: client.id,
      invited_by: admin.id,
      created_at: T,
      expires_at: T + 7 * DAY,
      used_at: null,
      voided_at: null,
    });
  });

  it('to staff, without an inviter: the firm on Debrief, no second-factor sentence and no double blank line', async () => {
    const user = await buildStaff(app.db, { status: 'invited', password_hash: null, name: 'Sam New' });
    const token = await invite(user);
    const [mail] = await mailsTo(user.email);
    expect(mail!.subject).toBe("You're invited to join Acme Security on Debrief");
    expect(mail!.text_body).toBe(
      [
        'Hello Sam New,',
        '',
        'You have been invited to Acme Security on Debrief.',
        '',
        'Open this link to choose your password and activate your account:',
        `${app.config.publicUrl}/invite/${token}`,
        '',
        `The link can be used once and expires on ${new Date(T + app.config.inviteTtlMs).toUTCString()}.`,
        '',
        'If you did not expect this invitation, you can ignore this message.',
        // The firm's footer (custom messages; here the default), after a signature separator.
        '',
        '--',
        'Shared with you by Acme Security. This portal holds confidential security information: please keep it within your organisation.',
        '',
      ].join('\n'),
    );
  });

  it('a held invitation (send: false) is recorded but mails nothing', async () => {
    const user = await buildPortalUser(app.db, { status: 'invited', password_hash: null });
    await createInvitation(app.db, app.config, ctx(user), T, false);
    expect(await invitationsOf(user.id)).toHaveLength(1);
    expect(await mailsTo(user.email)).toEqual([]);
  });
});

describe('a link', () => {
  it('works until the last millisecond before it expires, not at that moment', async () => {
    const user = await buildStaff(app.db, { status: 'invited', password_hash: null });
    const token = await invite(user);
    const end = T + app.config.inviteTtlMs;
    expect((await findValidInvitation(app.db, token, end - 1))?.user.id).toBe(user.id);
    expect(await findValidInvitation(app.db, token, end)).toBeNull();
  });

  it('is refused empty, over 128 characters, or with anything added', async () => {
    const user = await buildStaff(app.db, { status: 'invited', password_hash: null });
    const token = await invite(user);
    for (const bad of ['', `${token}a`, token.toUpperCase(), token + ' '.repeat(100)]) {
      expect(await findValidInvitation(app.db, bad, T), JSON.stringify(bad)).toBeNull();
    }
  });

  it('is bound to its account: active, another address or another client means no; the address case does not matter', async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const mk = async () => {
      const user = await buildPortalUser(app.db, { client_id: a.id, status: 'invited', password_hash: null });
      return { user, token: await invite(user) };
    };
    const active = await mk();
    await app.db.updateTable('users').set({ status: 'active' }).where('id', '=', active.user.id).execute();
    expect(await findValidInvitation(app.db, active.token, T)).toBeNull();

    const moved = await mk();
    await app.db.updateTable('users').set({ client_id: b.id }).where('id', '=', moved.user.id).execute();
    expect(await findValidInvitation(app.db, moved.token, T)).toBeNull();

    const renamed = await mk();
    await app.db
      .updateTable('users')
      .set({ email: `other-${renamed.user.email}` })
      .where('id', '=', renamed.user.id)
      .execute();
    expect(await findValidInvitation(app.db, renamed.token, T)).toBeNull();

    const recased = await mk();
    await app.db.updateTable('users').set({ email: recased.user.email.toUpperCase() }).where('id', '=', recased.user.id).execute();
    expect((await findValidInvitation(app.db, recased.token, T))?.user.id).toBe(recased.user.id);
  });

  it('opens nothing once its client is archived; staff links have no client to check', async () => {
    const client = await buildClient(app.db);
    const user = await buildPortalUser(app.db, { client_id: client.id, status: 'invited', password_hash: null });
    const token = await invite(user);
    expect((await findValidInvitation(app.db, token, T))?.invitation.user_id).toBe(user.id);
    await app.db.updateTable('clients').set({ archived_at: T }).where('id', '=', client.id).execute();
    expect(await findValidInvitation(app.db, token, T)).toBeNull();
  });

  it('voiding stops the user’s unused links only, and keeps the moment of a use', async () => {
    const user = await buildStaff(app.db, { status: 'invited', password_hash: null });
    const other = await buildStaff(app.db, { status: 'invited', password_hash: null });
    const first = await invite(user, T);
    const second = await invite(user, T + 1);
    const theirs = await invite(other, T);
    await app.db
      .updateTable('invitations')
      .set({ used_at: T + 5 })
      .where('user_id', '=', user.id)
      .where('created_at', '=', T)
      .execute();
    await voidInvitations(app.db, user.id, T + 10);
    expect((await invitationsOf(user.id)).map((r) => [r.used_at, r.voided_at])).toEqual([
      [T + 5, null],
      [null, T + 10],
    ]);
    expect(await findValidInvitation(app.db, first, T + 11)).toBeNull();
    expect(await findValidInvitation(app.db, second, T + 11)).toBeNull();
    expect((await findValidInvitation(app.db, theirs, T + 11))?.user.id).toBe(other.id);
    // A second voiding keeps the first moment.
    await voidInvitations(app.db, other.id, T + 20);
    await voidInvitations(app.db, other.id, T + 30);
    expect((await invitationsOf(other.id)).map((r) => r.voided_at)).toEqual([T + 20]);
  });
});

describe('using a link', () => {
  it('activates the account with the password, marks the link used and voids the others, once', async () => {
    const user = await buildStaff(app.db, { status: 'invited', password_hash: null });
    const older = await invite(user, T);
    const token = await invite(user, T + 1);
    const activated = await app.db.transaction().execute((trx) => consumeInvitation(trx, token, 'HASH', T + 100));
    expect(activated).toMatchObject({ id: user.id, status: 'active', password_hash: 'HASH', updated_at: T + 100 });
    expect((await invitationsOf(user.id)).map((r) => [r.used_at, r.voided_at])).toEqual([
      [null, T + 100],
      [T + 100, null],
    ]);
    expect(await app.db.transaction().execute((trx) => consumeInvitation(trx, token, 'OTHER', T + 200))).toBeNull();
    expect(await app.db.transaction().execute((trx) => consumeInvitation(trx, older, 'OTHER', T + 200))).toBeNull();
    const row = await app.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toBe('HASH');
  });

  it('a used link stays used: it does not open the account again if it is ever waiting for an invitation again', async () => {
    const user = await buildStaff(app.db, { status: 'invited', password_hash: null });
    const token = await invite(user, T);
    expect(await app.db.transaction().execute((trx) => consumeInvitation(trx, token, 'HASH', T + 1))).not.toBeNull();
    // Removed and invited again later: the account waits for an invitation once more.
    await app.db.updateTable('users').set({ status: 'invited', password_hash: null }).where('id', '=', user.id).execute();
    expect(await findValidInvitation(app.db, token, T + 2)).toBeNull();
    expect(await app.db.transaction().execute((trx) => consumeInvitation(trx, token, 'EVIL', T + 2))).toBeNull();
    const row = await app.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'invited', password_hash: null });
  });
});

describe('contextual passwords', () => {
  const MESSAGE = "Choose a password that doesn't contain your email or your organisation's name.";
  it('refuses a password built on a context word of four letters or more, whatever its case, spacing or width', () => {
    expect(contextualPasswordProblem('I love Contoso Ltd a lot', ['Contoso Ltd'])).toBe(MESSAGE);
    expect(contextualPasswordProblem('my-CONTOSO.ltd-pass', ['contoso ltd'])).toBe(MESSAGE);
    expect(contextualPasswordProblem('ｃｏｎｔｏｓｏ forever 2024', ['Contoso'])).toBe(MESSAGE);
    expect(contextualPasswordProblem('pat.doe likes long phrases', [null, undefined, 'pat.doe'])).toBe(MESSAGE);
    expect(contextualPasswordProblem('xxacmexx is my phrase', ['ACME'])).toBe(MESSAGE);
  });

  it('ignores words shorter than four letters and passwords that do not contain a word', () => {
    expect(contextualPasswordProblem('the ibm way of living', ['IBM'])).toBeNull();
    expect(contextualPasswordProblem('a perfectly fine phrase', ['Contoso', null, undefined, ''])).toBeNull();
    expect(contextualPasswordProblem('a perfectly fine phrase', [])).toBeNull();
    expect(contextualPasswordProblem('contos and more words', ['Contoso'])).toBeNull();
  });

  it('the generic link message is the one shown for every unusable link', () => {
    expect(INVALID_INVITATION).toBe('This invitation link is invalid or has expired.');
  });
});
