import { describe, expect, it } from 'vitest';
import { consumeInvitation, voidInvitations } from '../../server/auth/invitations.js';
import { consumeReset, insertReset, newResetToken, takeResetQuota } from '../../server/auth/password-reset.js';
import { normaliseRecoveryCode, replaceRecoveryCodes } from '../../server/auth/recovery-codes.js';
import { hashSecretHex } from '../../server/auth/tokens.js';
import { replaceClientStaff } from '../../server/commands/clients/assign-staff.js';
import { saveClientChanges } from '../../server/commands/clients/update.js';
import { holdReason, placeholderEmail } from '../../server/commands/members/held-invitations.js';
import type { CommandContext } from '../../server/context.js';
import { appOn, DATABASES } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { inviteTokenFor } from '../support/invitations.js';
import { interleave as interleaveOn, type Trx } from '../support/interleave.js';

/**
 * Account and directory steps that read, then write what they read (issue 13, point 7;
 * docs/transactions.md, "Unsafe or doubtful"). Each test runs the step in two transactions, the
 * first held open right after its check-and-write while the second runs
 * (tests/support/interleave.ts): on SQLite the second waits for the first, on PostgreSQL it runs
 * against the first's uncommitted write and must see it or lose cleanly. Each was seen failing on
 * PostgreSQL before its fix.
 */
describe.each(DATABASES)('accounts, two at once on %s', (name) => {
  const on = appOn(name);
  /** Two transactions on this database, the first held open while the second runs. */
  const interleave = <A, B>(first: (trx: Trx) => Promise<A>, second: (trx: Trx) => Promise<B>) => interleaveOn(on.app.db, first, second);

  it('two reset requests at once for an address with one mail left send one mail; the other waits', async () => {
    const email = `quota-${name.toLowerCase()}@x.test`;
    const now = on.app.clock();
    expect(await takeResetQuota(on.app.db, email, now)).toBe(0);
    expect(await takeResetQuota(on.app.db, email, now + 1)).toBe(0);
    const take = (trx: Trx) => takeResetQuota(trx, email, now + 2);
    const [first, second] = await interleave(take, take);
    expect(first).toBe(0);
    expect(second.status).toBe('fulfilled');
    expect((second as PromiseFulfilledResult<number>).value).toBeGreaterThan(0);
  });

  /** A portal user invited over HTTP: their id, address and mailed link. */
  async function invitee(tag: string) {
    const client = await buildClient(on.app.db);
    const staff = await signIn(on.app, await buildStaff(on.app.db));
    const email = `${tag}-${name.toLowerCase()}@client.test`;
    expect((await staff.post(`/api/clients/${client.id}/users`, { email, name: tag, role: 'viewer' })).status).toBe(201);
    const { id } = await on.app.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    return { id, email, token: await inviteTokenFor(on.app, email) };
  }
  const statusOf = async (id: string) => (await on.app.db.selectFrom('users').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  /** A removal as members/remove.ts makes it, in its lock order: the user row, then their links. */
  const removeInvitee = async (trx: Trx, id: string, now: number) => {
    await trx.updateTable('users').set({ status: 'removed', updated_at: now }).where('id', '=', id).execute();
    await voidInvitations(trx, id, now);
  };

  it('a link voided by a resend committing meanwhile is refused', async () => {
    const person = await invitee('resent');
    const now = on.app.clock();
    const [, accepted] = await interleave(
      (trx) => voidInvitations(trx, person.id, now),
      (trx) => consumeInvitation(trx, person.token, 'hash', now),
    );
    expect(accepted).toEqual({ status: 'fulfilled', value: null });
    expect(await statusOf(person.id)).toBe('invited');
  });

  it('an account removed meanwhile is not activated, and its acceptance gets no account', async () => {
    const person = await invitee('removed');
    const now = on.app.clock();
    const [, accepted] = await interleave(
      (trx) => removeInvitee(trx, person.id, now),
      (trx) => consumeInvitation(trx, person.token, 'hash', now),
    );
    expect(accepted).toEqual({ status: 'fulfilled', value: null });
    expect(await statusOf(person.id)).toBe('removed');
  });

  it('a removal and an acceptance of one invitee at once do not deadlock: the removal wins', async () => {
    const person = await invitee('both');
    const now = on.app.clock();
    // The removal locks the user, waits until the acceptance is under way, then voids the links.
    let userLocked = () => {};
    const locked = new Promise<void>((r) => (userLocked = r));
    let accepting = () => {};
    const started = new Promise<void>((r) => (accepting = r));
    const removal = on.app.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ status: 'removed', updated_at: now }).where('id', '=', person.id).execute();
      userLocked();
      await started;
      await new Promise((r) => setTimeout(r, 300));
      await voidInvitations(trx, person.id, now);
    });
    await locked;
    const acceptance = on.app.db.transaction().execute((trx) => consumeInvitation(trx, person.token, 'hash', now));
    accepting();
    const [removed, accepted] = await Promise.allSettled([removal, acceptance]);
    expect(removed.status).toBe('fulfilled');
    expect(accepted).toEqual({ status: 'fulfilled', value: null });
    expect(await statusOf(person.id)).toBe('removed');
  });

  it('two reset links of one person confirmed at once do not deadlock: one is used, the other refused', async () => {
    const user = await buildPortalUser(on.app.db);
    const now = on.app.clock();
    const [a, b] = [newResetToken(), newResetToken()];
    await insertReset(on.app.db, user.id, a.tokenHash, now);
    await insertReset(on.app.db, user.id, b.tokenHash, now);
    const idOf = async (hash: string) =>
      (await on.app.db.selectFrom('password_resets').select('id').where('token_hash', '=', hash).executeTakeFirstOrThrow()).id;
    const [linkA, linkB] = [await idOf(a.tokenHash), await idOf(b.tokenHash)];
    // A third transaction holds link A, so the confirm of A queues on it first, then the confirm
    // of B runs as far as it can; when A is let go, each confirm holds what the other waits for
    // unless both take the person's links in one statement.
    let holdA = () => {};
    const aHeld = new Promise<void>((r) => (holdA = r));
    let letGo = () => {};
    const released = new Promise<void>((r) => (letGo = r));
    const holder = on.app.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('password_resets')
        .set((eb) => ({ used_at: eb.ref('used_at') }))
        .where('id', '=', linkA)
        .execute();
      holdA();
      await released;
    });
    await aHeld;
    const pause = () => new Promise((r) => setTimeout(r, 300));
    const confirmA = on.app.db.transaction().execute((trx) => consumeReset(trx, linkA, user.id, now));
    await pause();
    const confirmB = on.app.db.transaction().execute((trx) => consumeReset(trx, linkB, user.id, now));
    await pause();
    letGo();
    await holder;
    const results = await Promise.allSettled([confirmA, confirmB]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.map((r) => (r as PromiseFulfilledResult<boolean>).value).sort()).toEqual([false, true]);
  });

  it('recovery codes regenerated twice at once (a double click) leave only the second ten', async () => {
    const user = await buildPortalUser(on.app.db);
    const now = on.app.clock();
    await replaceRecoveryCodes(on.app.db, user.id, now);
    const regenerate = (trx: Trx) => replaceRecoveryCodes(trx, user.id, now);
    const [, second] = await interleave(regenerate, regenerate);
    expect(second.status).toBe('fulfilled');
    const shown = (second as PromiseFulfilledResult<string[]>).value.map((c) => hashSecretHex(normaliseRecoveryCode(c)));
    const stored = await on.app.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.id).execute();
    expect(stored.map((r) => r.code_hash).sort()).toEqual(shown.sort());
  });
});

describe.each(DATABASES)('clients, two at once on %s', (name) => {
  const on = appOn(name);
  const interleave = <A, B>(first: (trx: Trx) => Promise<A>, second: (trx: Trx) => Promise<B>) => interleaveOn(on.app.db, first, second);
  const audit = { actorId: null, actorEmail: null, ip: '127.0.0.1', userAgent: 'test' };
  const defaults = () => ({ idleMs: on.app.config.sessionIdleMs, absoluteMs: on.app.config.sessionAbsoluteMs });

  it('two admins switching different settings of one client at once keep both changes', async () => {
    const client = await buildClient(on.app.db);
    const now = on.app.clock();
    const [, second] = await interleave(
      (trx) =>
        saveClientChanges(trx, audit, client.id, { visibleFields: { evidence: false }, modules: { chat: false }, confirm: true }, undefined, now, defaults()),
      (trx) =>
        saveClientChanges(trx, audit, client.id, { visibleFields: { cvss: false }, modules: { reports: false }, confirm: true }, undefined, now, defaults()),
    );
    expect(second.status).toBe('fulfilled');
    const row = await on.app.db.selectFrom('clients').select(['visible_fields', 'modules']).where('id', '=', client.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.visible_fields)).toMatchObject({ evidence: false, cvss: false });
    expect(JSON.parse(row.modules)).toMatchObject({ chat: false, reports: false });
  });

  it('a client archived meanwhile keeps its settings: the change is refused', async () => {
    const client = await buildClient(on.app.db);
    const now = on.app.clock();
    const [, second] = await interleave(
      (trx) => trx.updateTable('clients').set({ archived_at: now, updated_at: now }).where('id', '=', client.id).execute(),
      (trx) => saveClientChanges(trx, audit, client.id, { name: 'Renamed', confirm: true }, undefined, now, defaults()),
    );
    expect(second.status).toBe('rejected');
    expect((second as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
    expect((await on.app.db.selectFrom('clients').select('name').where('id', '=', client.id).executeTakeFirstOrThrow()).name).toBe(client.name);
  });

  it('two staff assignments of one client at once: the second replaces the first', async () => {
    const client = await buildClient(on.app.db);
    const [admin, a, b] = [await buildStaff(on.app.db), await buildStaff(on.app.db), await buildStaff(on.app.db)];
    const now = on.app.clock();
    const assign = (ids: string[]) => (trx: Trx) => replaceClientStaff(trx, audit, admin.id, client.id, ids, now);
    const [, second] = await interleave(assign([a.id]), assign([a.id, b.id]));
    expect(second.status).toBe('fulfilled');
    const [, third] = await interleave(assign([a.id]), assign([b.id]));
    expect(third.status).toBe('fulfilled');
    const staff = await on.app.db.selectFrom('client_staff').select('user_id').where('client_id', '=', client.id).execute();
    expect(staff).toEqual([{ user_id: b.id }]);
  });

  it('one address invited twice at once into one client, held both times, makes one held account', async () => {
    const [client, elsewhere] = [await buildClient(on.app.db), await buildClient(on.app.db)];
    const manager = await buildPortalUser(on.app.db, { client_id: client.id, role: 'manager' });
    const taken = await buildPortalUser(on.app.db, { client_id: elsewhere.id });
    const ctx = { viewer: { user: manager }, audit } as unknown as CommandContext;
    const now = on.app.clock();
    // The check and the insert of a held account, as members/invite.ts makes them.
    const invite = (id: string) => async (trx: Trx) => {
      const held = await holdReason(trx, ctx, client.id, taken.email);
      await trx
        .insertInto('users')
        .values({
          id,
          kind: 'portal',
          role: 'viewer',
          client_id: client.id,
          email: placeholderEmail(id),
          name: 'Held',
          password_hash: null,
          status: 'invited',
          created_at: now,
          updated_at: now,
          last_login_at: null,
          invited_by: manager.id,
          held_email: taken.email,
          held_reason: held,
        })
        .execute();
      return held;
    };
    const [first, second] = await interleave(invite(crypto.randomUUID()), invite(crypto.randomUUID()));
    expect(first).toBe('other_client');
    expect(second.status).toBe('rejected');
    expect((second as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
    const held = await on.app.db.selectFrom('users').select('id').where('held_email', '=', taken.email).where('client_id', '=', client.id).execute();
    expect(held).toHaveLength(1);
  });
});
