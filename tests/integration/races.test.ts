import { describe, expect, it } from 'vitest';
import { consumeInvitation } from '../../server/auth/invitations.js';
import { assertNotLastAdmin, findMember } from '../../server/queries/members/directory.js';
import { insertReport, nextReportVersion } from '../../server/repositories/reports.js';
import { nextRoundNo } from '../../server/repositories/remediation.js';
import { buildFinding, buildProject } from '../support/workspace.js';
import { lockEventLog, lockRow } from '../../db/dialect.js';
import { appOn, DATABASES } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { inviteTokenFor } from '../support/invitations.js';
import { interleave as interleaveOn, type Trx } from '../support/interleave.js';
import { upsertCoalesced } from '../../server/repositories/notifications.js';

/**
 * Read-modify-write steps that SQLite's one connection kept apart and PostgreSQL runs side by side
 * (issue 13, point 7). Each test drives two transactions itself: the first holds its transaction
 * open right after its check-and-write while the second runs the same step, so the interleaving is
 * the same every time. On SQLite the second simply waits for the first; on PostgreSQL it must lose
 * cleanly. Each was seen failing on PostgreSQL before its fix.
 */
describe.each(DATABASES)('two at once on %s', (name) => {
  const on = appOn(name);

  /** Two transactions on this database, the first held open while the second runs (tests/support/interleave.ts). */
  const interleave = <A, B>(first: (trx: Trx) => Promise<A>, second: (trx: Trx) => Promise<B>) => interleaveOn(on.app.db, first, second);

  it('an invitation accepted twice at once is used once: the second acceptance changes nothing', async () => {
    const client = await buildClient(on.app.db);
    const staff = await signIn(on.app, await buildStaff(on.app.db));
    const email = `twice-${name.toLowerCase()}@client.test`;
    expect((await staff.post(`/api/clients/${client.id}/users`, { email, name: 'Twice', role: 'viewer' })).status).toBe(201);
    const token = await inviteTokenFor(on.app, email);
    const now = on.app.clock();
    const [a, b] = await interleave(
      (trx) => consumeInvitation(trx, token, 'hash-of-the-first', now),
      (trx) => consumeInvitation(trx, token, 'hash-of-the-second', now),
    );
    expect(a?.email).toBe(email);
    expect(b).toEqual({ status: 'fulfilled', value: null });
    const user = await on.app.db.selectFrom('users').select(['password_hash', 'status']).where('email', '=', email).executeTakeFirstOrThrow();
    expect(user).toEqual({ password_hash: 'hash-of-the-first', status: 'active' });
  });

  it('two chat messages at once leave one unread chat notification per person and channel, counting both', async () => {
    const person = await buildPortalUser(on.app.db);
    const notice = (text: string) => ({
      user_id: person.id,
      client_id: person.client_id,
      actor_id: null,
      finding_id: null,
      created_at: on.app.clock(),
      link: '/portal/chat',
      add: { count: 1, authors: [text], text: (count: number) => `${text} (${count})` },
    });
    const [first, second] = await interleave(
      (trx) => upsertCoalesced(trx, 'chat', [notice('first')]),
      (trx) => upsertCoalesced(trx, 'chat', [notice('second')]),
    );
    expect(first).toHaveLength(1);
    // The second updates the first's row: the same id, both counted.
    expect(second).toEqual({ status: 'fulfilled', value: first });
    const unread = await on.app.db.selectFrom('notifications').select(['id', 'count']).where('user_id', '=', person.id).where('read_at', 'is', null).execute();
    expect(unread).toEqual([{ id: first[0], count: 2 }]);
  });

  it('two admins removing each other at once: the second is refused, the firm keeps an admin', async () => {
    await on.app.db.updateTable('users').set({ status: 'removed' }).where('kind', '=', 'staff').where('role', '=', 'admin').execute();
    const [a, b] = [await buildStaff(on.app.db, { role: 'admin' }), await buildStaff(on.app.db, { role: 'admin' })];
    const remove = (target: string) => async (trx: Trx) => {
      await assertNotLastAdmin(trx, await findMember(trx, { kind: 'staff' }, target));
      await trx.updateTable('users').set({ status: 'removed' }).where('id', '=', target).execute();
    };
    const [, second] = await interleave(remove(b.id), remove(a.id));
    expect(second.status).toBe('rejected');
    expect(String((second as PromiseRejectedResult).reason)).toMatch(/at least one active administrator/);
    const active = await on.app.db.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '=', 'active').execute();
    expect(active).toEqual([{ id: a.id }]);
  });

  it('two uploads of one report title at once get versions 1 and 2 (no duplicate, no 500)', async () => {
    const project = await buildProject(on.app.db);
    const upload = async (trx: Trx) => {
      const version = await nextReportVersion(trx, project.id, 'Pentest report');
      await insertReport(trx, {
        id: `${project.id}-v${version}-${Math.random()}`,
        project_id: project.id,
        client_id: project.client_id,
        title: 'Pentest report',
        version,
        file: 'x.pdf',
        original_name: 'x.pdf',
        size: 1,
        sha256: '0',
        published: 0,
        published_at: null,
        damaged_at: null,
        created_by: null,
        created_at: on.app.clock(),
      });
      return version;
    };
    const [first, second] = await interleave(upload, upload);
    expect([first, second]).toEqual([1, { status: 'fulfilled', value: 2 }]);
  });

  it('two remediation rounds of one finding at once are numbered 1 and 2', async () => {
    const finding = await buildFinding(on.app.db, { published: true });
    const staff = await buildStaff(on.app.db);
    const round = async (trx: Trx) => {
      const round_no = await nextRoundNo(trx, finding.id);
      await trx
        .insertInto('remediation_rounds')
        .values({
          id: `${finding.id}-r${round_no}-${Math.random()}`,
          finding_id: finding.id,
          client_id: finding.client_id,
          round_no,
          submitted_by: staff.id,
          submitted_at: on.app.clock(),
          submit_notes: 'fixed',
        })
        .execute();
      return round_no;
    };
    const [first, second] = await interleave(round, round);
    expect([first, second]).toEqual([1, { status: 'fulfilled', value: 2 }]);
  });
});

/**
 * PostgreSQL only (SQLite runs one transaction at a time, so the two below could not overlap): a
 * numbering lock on a finding and the event log's lock, taken in opposite orders by two writers,
 * must not deadlock. The group commit holds the event lock and inserts a comment on the finding
 * (its foreign key takes a KEY SHARE lock on the finding's row); a remediation move holds the
 * finding for its next round number and then wants the event lock. With `FOR UPDATE` on the
 * finding this was a deadlock (one of them failed after PostgreSQL's deadlock timeout).
 */
describe('lock order on PostgreSQL', () => {
  const on = appOn('PostgreSQL');
  it('a round-number lock on a finding and a comment on it under the event lock both commit', async () => {
    const finding = await buildFinding(on.app.db, { published: true });
    const author = await buildStaff(on.app.db);
    const signal = () => {
      let fire = () => {};
      const fired = new Promise<void>((r) => (fire = r));
      return { fire, fired };
    };
    const numbered = signal();
    const logLocked = signal();
    const move = on.app.db.transaction().execute(async (trx) => {
      await lockRow(trx, 'findings', finding.id);
      numbered.fire();
      await logLocked.fired;
      await lockEventLog(trx);
    });
    const comment = on.app.db.transaction().execute(async (trx) => {
      await numbered.fired;
      await lockEventLog(trx);
      logLocked.fire();
      await trx
        .insertInto('comments')
        .values({
          id: `c-${finding.id}`,
          finding_id: finding.id,
          client_id: finding.client_id,
          author_id: author.id,
          body: 'Fixed?',
          client_message_id: 'cm-1',
          created_at: on.app.clock(),
        })
        .execute();
    });
    expect(await Promise.allSettled([move, comment])).toEqual([
      { status: 'fulfilled', value: undefined },
      { status: 'fulfilled', value: undefined },
    ]);
  }, 30_000);
});
