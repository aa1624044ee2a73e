import type { Insertable, Kysely } from 'kysely';
import type { CommentRow, CommentTable, Database, UserRow } from '../../db/schema.js';
import { seesSql } from '../policies/access.js';
import { keysetPage } from './keyset.js';

type Db = Kysely<Database>;

/** A comment with its author's name and kind, as lists and presenters use it. */
/** A comment with its author's name, kind and (a client user's) organisation. */
export type CommentWithAuthor = CommentRow & { author_name: string; author_kind: 'staff' | 'portal'; author_org: string | null };

/** What access to a finding's comments depends on: the finding and its client's settings. */
export interface FindingForComments {
  id: string;
  title: string;
  client_id: string;
  published: number;
  modules: string;
  visible_fields: string;
  portal_enabled: number;
  archived_at: number | null;
}

/** A finding with the client fields that decide who may see it, or undefined. */
export async function findFindingForComments(db: Db, findingId: string): Promise<FindingForComments | undefined> {
  return db
    .selectFrom('findings')
    .innerJoin('clients', 'clients.id', 'findings.client_id')
    .select([
      'findings.id',
      'findings.title',
      'findings.client_id',
      'findings.published',
      'clients.modules',
      'clients.visible_fields',
      'clients.portal_enabled',
      'clients.archived_at',
    ])
    .where('findings.id', '=', findingId)
    .executeTakeFirst();
}

/** Where a comment sorts in its thread: by time, then by id. */
export type CommentKey = [createdAt: number, id: string];

/**
 * A page of a finding's comments, newest first, with their authors (deleted ones stay as
 * tombstones): the `limit` newest before `before` (keyset). For a client's people (`viewer`) only
 * what they may see is loaded, filtered in SQL by `seesSql` of `policies/access.ts`: internal
 * notes are never even loaded.
 */
export async function listComments(
  db: Db,
  findingId: string,
  viewer: Pick<UserRow, 'kind' | 'client_id'>,
  before: CommentKey | null,
  limit: number,
): Promise<CommentWithAuthor[]> {
  const q = db
    .selectFrom('comments')
    .innerJoin('users', 'users.id', 'comments.author_id')
    .leftJoin('clients as ac', 'ac.id', 'users.client_id')
    .innerJoin('findings as cf', 'cf.id', 'comments.finding_id')
    .innerJoin('clients as fc', 'fc.id', 'cf.client_id')
    .selectAll('comments')
    .select(['users.name as author_name', 'users.kind as author_kind', 'ac.name as author_org'])
    .where('comments.finding_id', '=', findingId)
    .where(seesSql(viewer, 'comment', { clients: 'fc', findings: 'cf', comments: 'comments' }));
  return keysetPage(
    q,
    [
      { by: 'comments.created_at', dir: 'desc' },
      { by: 'comments.id', dir: 'desc' },
    ],
    before,
    limit,
  ).execute();
}

/** One comment by id (any audience; callers decide what the viewer may know). */
export async function findComment(db: Db, id: string): Promise<CommentRow | undefined> {
  return db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The comment an author already made with this client message id (an idempotent retry). */
export async function findByClientMessageId(db: Db, authorId: string, clientMessageId: string): Promise<CommentRow | undefined> {
  return db.selectFrom('comments').selectAll().where('author_id', '=', authorId).where('client_message_id', '=', clientMessageId).executeTakeFirst();
}

export async function insertComment(trx: Db, row: Insertable<CommentTable>): Promise<void> {
  await trx.insertInto('comments').values(row).execute();
}

/** Make people followers of a finding (already following: nothing changes). */
export async function addFollowers(trx: Db, findingId: string, userIds: string[]): Promise<void> {
  if (!userIds.length) return;
  await trx
    .insertInto('finding_followers')
    .values(userIds.map((user_id) => ({ finding_id: findingId, user_id })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The ids of a finding's followers. */
export async function followerIds(db: Db, findingId: string): Promise<string[]> {
  return (await db.selectFrom('finding_followers').select('user_id').where('finding_id', '=', findingId).execute()).map((r) => r.user_id);
}

/** Comments by id, with their authors. */
export async function loadComments(db: Db, ids: string[]): Promise<Map<string, CommentWithAuthor>> {
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('comments')
    .innerJoin('users', 'users.id', 'comments.author_id')
    .leftJoin('clients as ac', 'ac.id', 'users.client_id')
    .selectAll('comments')
    .select(['users.name as author_name', 'users.kind as author_kind', 'ac.name as author_org'])
    .where('comments.id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}
