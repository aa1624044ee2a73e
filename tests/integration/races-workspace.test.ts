import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lockEventLog, lockRow } from '../../db/dialect.js';
import { appOn } from '../support/app.js';
import { buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { holding, untilWaiting } from '../support/locks.js';
import type { Trx } from '../support/interleave.js';
import { PENDING_ATTACHMENT_TTL_MS, prunePendingAttachments } from '../../server/commands/attachments/prune-pending.js';
import { buildFinding, buildReportRow } from '../support/workspace.js';
import { noisyPng, storedFiles, uploadEvidence } from '../support/evidence.js';
import { publishedFinding, remediationWorld } from '../support/remediation.js';
import { insertCommentRow } from '../support/comments.js';
import { buildPendingUpload } from '../support/chat.js';

/**
 * Lock order on PostgreSQL in the workspace (docs/transactions.md, "Lock order"): a transaction
 * locks the rows it changes (the finding before its evidence and rounds; several in id order)
 * before the event log's lock, and the group commit takes the event lock first and then only
 * inserts children. Each test makes the interleaving happen (a lock held by the test until the
 * app's request waits, see tests/support/locks.ts) and was seen failing before its fix, with a
 * deadlock (40P01: one side aborted after a second) or a 500.
 */
describe('workspace lock order on PostgreSQL', () => {
  const on = appOn('PostgreSQL');
  const db = () => on.app.db;
  const admin = async () => signIn(on.app, await buildStaff(db(), { role: 'admin' }));

  it('deleting a draft while a group-commit batch comments on it: both commit, no deadlock', async () => {
    const staff = await admin();
    const author = await buildStaff(db());
    const draft = await buildFinding(db());
    let locked = () => {};
    const logLocked = new Promise<void>((r) => (locked = r));
    // The batch holds the event log's lock (taken before its work runs) until the delete waits.
    const batch = on.app.deps.writes.run(async (trx) => {
      locked();
      await untilWaiting(db(), 1);
      await insertCommentRow(trx, draft, author, { body: 'Seen' });
      return 'commented';
    });
    await logLocked;
    const deleted = await staff.delete(`/api/findings/${draft.id}`);
    expect(await Promise.allSettled([batch])).toEqual([{ status: 'fulfilled', value: 'commented' }]);
    expect(deleted.status, deleted.text).toBe(204);
    expect(await db().selectFrom('findings').select('id').where('id', '=', draft.id).execute()).toEqual([]);
  }, 30_000);

  it('a retest of two findings while a verdict on the second holds it: both commit, no deadlock', async () => {
    const w = await remediationWorld(on.app);
    // The request works through its findings in id (and here creation) order: the first takes the event lock.
    const [one, two] = [randomUUID(), randomUUID()].sort();
    const first = await publishedFinding(on.app, w.project, { id: one });
    const second = await publishedFinding(on.app, w.project, { id: two });
    const [verdict, request] = await holding(
      db(),
      (trx) => lockRow(trx, 'findings', second.id),
      () => w.as.managerA.post('/api/retests', { findingIds: [first.id, second.id], message: 'Both patched.' }),
      1,
      (trx) => lockEventLog(trx),
    );
    expect(verdict.status).toBe('fulfilled');
    expect(request.status, request.text).toBe(201);
    const statuses = await db().selectFrom('findings').select('status').where('id', 'in', [first.id, second.id]).orderBy('id').execute();
    expect(statuses.map((f) => f.status)).toEqual(['pending_verification', 'pending_verification']);
  }, 30_000);

  /** A draft with an uploaded image (original, client copy, thumbnail on disk), and who uploaded it. */
  const imageEvidence = async () => {
    const staff = await admin();
    const finding = await buildFinding(db());
    const res = await uploadEvidence(on.app, staff, finding.id, await noisyPng(64, 48), 'shot.png', 'image/png');
    expect(res.status, res.text).toBe(201);
    return { staff, id: res.body.evidence.id as string };
  };
  const redact = (staff: Awaited<ReturnType<typeof admin>>, id: string, x: number) =>
    staff.put(`/api/evidence/${id}/redactions`, { rectangles: [{ x, y: 0, w: 10, h: 10 }] });

  it('a redaction while an edit of the same item holds its row: both commit, no deadlock', async () => {
    const { staff, id } = await imageEvidence();
    const [edit, redaction] = await holding(
      db(),
      (trx) => trx.updateTable('evidence').set({ caption: 'Edited' }).where('id', '=', id).execute(),
      () => redact(staff, id, 1),
      1,
      (trx) => lockEventLog(trx),
    );
    expect(edit.status).toBe('fulfilled');
    expect(redaction.status, redaction.text).toBe(200);
  }, 30_000);

  it('two redactions of one image at once: the files of the first are deleted, none left behind', async () => {
    const { staff, id } = await imageEvidence();
    const before = storedFiles(on.app, 'evidence').length;
    const [, [a, b]] = await holding(
      db(),
      (trx) => lockRow(trx, 'evidence', id),
      () => Promise.all([redact(staff, id, 1), redact(staff, id, 20)]),
      2,
    );
    expect([a.status, b.status]).toEqual([200, 200]);
    const row = await db().selectFrom('evidence').select(['original_file', 'client_file', 'client_thumb_file']).where('id', '=', id).executeTakeFirstOrThrow();
    // Only the original and the last redaction's copy and thumbnail are on disk: as many as before.
    expect(storedFiles(on.app, 'evidence').length).toBe(before);
    expect(storedFiles(on.app, 'evidence').filter((f) => [row.original_file, row.client_file, row.client_thumb_file].some((r) => r?.endsWith(f)))).toHaveLength(
      3,
    );
  }, 30_000);

  it('two verdicts on one round at once: the second is a 409, not the frozen-round trigger (500)', async () => {
    const w = await remediationWorld(on.app);
    const f = await publishedFinding(on.app, w.project);
    expect((await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Patched.' })).status).toBe(200);
    // The first verdict, as applyMove writes it, held open until the second waits.
    const first = async (trx: Trx) => {
      await trx
        .updateTable('remediation_rounds')
        .set({ verdict: 'verified_fixed', verdict_by: w.analyst.id, verdict_at: on.app.clock(), verdict_notes: '' })
        .where('finding_id', '=', f.id)
        .execute();
      await trx.updateTable('findings').set({ status: 'verified_fixed' }).where('id', '=', f.id).execute();
    };
    const [held, second] = await holding(
      db(),
      first,
      () => w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: 'not_fixed', notes: 'Still there.' }),
      1,
    );
    expect(held.status).toBe('fulfilled');
    expect(second.status, second.text).toBe(409);
    expect(await db().selectFrom('remediation_rounds').select('verdict').where('finding_id', '=', f.id).execute()).toEqual([{ verdict: 'verified_fixed' }]);
  }, 30_000);

  it('a submission while the finding is being unpublished records no round on the draft', async () => {
    const w = await remediationWorld(on.app);
    const f = await publishedFinding(on.app, w.project);
    const unpublish = (trx: Trx) => trx.updateTable('findings').set({ published: 0, published_at: null }).where('id', '=', f.id).execute();
    const [held, submit] = await holding(db(), unpublish, () => w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Patched.' }), 1);
    expect(held.status).toBe('fulfilled');
    expect(submit.status, submit.text).toBe(404);
    expect(await db().selectFrom('remediation_rounds').select('id').where('finding_id', '=', f.id).execute()).toEqual([]);
  }, 30_000);

  it('an evidence edit while the item is removed: 404, not a TypeError (500)', async () => {
    const { staff, id } = await imageEvidence();
    const remove = (trx: Trx) => trx.deleteFrom('evidence').where('id', '=', id).execute();
    const [held, edit] = await holding(db(), remove, () => staff.patch(`/api/evidence/${id}`, { caption: 'Too late' }), 1);
    expect(held.status).toBe('fulfilled');
    expect(edit.status, edit.text).toBe(404);
  }, 30_000);

  it('an evidence upload while its draft is deleted: 404, not a foreign-key violation (500)', async () => {
    const staff = await admin();
    const draft = await buildFinding(db());
    const remove = (trx: Trx) => trx.deleteFrom('findings').where('id', '=', draft.id).execute();
    const [held, upload] = await holding(db(), remove, async () => uploadEvidence(on.app, staff, draft.id, await noisyPng(64, 48), 'shot.png', 'image/png'), 1);
    expect(held.status).toBe('fulfilled');
    expect(upload.status, upload.text).toBe(404);
  }, 30_000);

  /** How many events of `type` the log holds about `entityId`, and how many notifications of `kind` went to `userId`. */
  const told = async (type: string, entityId: string, kind: string, userId: string) => {
    const events = await db()
      .selectFrom('client_events')
      .select('position')
      .where('type', '=', type as never)
      .where('entity_id', '=', entityId)
      .execute();
    const notes = await db()
      .selectFrom('notifications')
      .select('id')
      .where('kind', '=', kind as never)
      .where('user_id', '=', userId)
      .execute();
    return [events.length, notes.length];
  };

  it('a finding published twice at once is published once: one event, one notification', async () => {
    const staff = await admin();
    const draft = await buildFinding(db());
    const reader = await buildPortalUser(db(), { client_id: draft.client_id, role: 'manager' });
    const publish = () => staff.post(`/api/findings/${draft.id}/publish`, { confirm: true });
    const [, answers] = await holding(
      db(),
      (trx) => lockRow(trx, 'findings', draft.id),
      () => Promise.all([publish(), publish()]),
      2,
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(await told('finding:published', draft.id, 'finding_published', reader.id)).toEqual([1, 1]);
  }, 30_000);

  it('a report published twice at once is published once: one event, one notification', async () => {
    const staff = await admin();
    const finding = await buildFinding(db());
    const report = await buildReportRow(db(), finding.project_id);
    const reader = await buildPortalUser(db(), { client_id: report.client_id, role: 'manager' });
    const publish = () => staff.patch(`/api/reports/${report.id}`, { published: true });
    const hold = (trx: Trx) => trx.updateTable('reports').set({ damaged_at: null }).where('id', '=', report.id).execute();
    const [, answers] = await holding(db(), hold, () => Promise.all([publish(), publish()]), 2);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(await told('report:published', report.id, 'report_published', reader.id)).toEqual([1, 1]);
  }, 30_000);

  it('a comment edit or delete racing its deletion: 404, and the tombstone keeps no text', async () => {
    const author = await buildStaff(db(), { role: 'admin' });
    const agent = await signIn(on.app, author);
    const finding = await buildFinding(db(), { published: true });
    const comment = () => insertCommentRow(db(), finding, author, { body: 'First take' });
    const deleting = (id: string) => (trx: Trx) => trx.updateTable('comments').set({ deleted_at: on.app.clock(), body: '' }).where('id', '=', id).execute();
    const [edited, deleted] = [await comment(), await comment()];
    const [, edit] = await holding(db(), deleting(edited), () => agent.patch(`/api/comments/${edited}`, { body: 'Second take' }), 1);
    const [, again] = await holding(db(), deleting(deleted), () => agent.delete(`/api/comments/${deleted}`), 1);
    expect([edit.status, again.status]).toEqual([404, 404]);
    const rows = await db().selectFrom('comments').select(['body', 'edited_at']).where('id', 'in', [edited, deleted]).execute();
    expect(rows).toEqual([
      { body: '', edited_at: null },
      { body: '', edited_at: null },
    ]);
    const events = await db().selectFrom('client_events').select('type').where('entity_id', 'in', [edited, deleted]).execute();
    expect(events).toEqual([]);
  }, 30_000);

  it('pruning stale uploads while one is attached to a round keeps that one', async () => {
    const finding = await buildFinding(db(), { published: true });
    const manager = await buildPortalUser(db(), { client_id: finding.client_id, role: 'manager' });
    const [upload, round] = [randomUUID(), randomUUID()];
    const now = on.app.clock();
    await buildPendingUpload(db(), {
      id: upload,
      clientId: finding.client_id,
      uploaderId: manager.id,
      purpose: 'remediation',
      at: now - PENDING_ATTACHMENT_TTL_MS - 1,
    });
    await db()
      .insertInto('remediation_rounds')
      .values({
        id: round,
        finding_id: finding.id,
        client_id: finding.client_id,
        round_no: 1,
        submitted_by: manager.id,
        submitted_at: now,
        submit_notes: 'Fixed.',
      })
      .execute();
    // The submission that uses the (day-old) upload, held until the prune waits for its row.
    const attach = (trx: Trx) => trx.updateTable('attachments').set({ round_id: round }).where('id', '=', upload).execute();
    const [held, pruned] = await holding(db(), attach, () => prunePendingAttachments(on.app.deps, now), 1);
    expect(held.status).toBe('fulfilled');
    expect(pruned).toBe(0);
    expect(await db().selectFrom('attachments').select('round_id').where('id', '=', upload).execute()).toEqual([{ round_id: round }]);
  }, 30_000);
});
