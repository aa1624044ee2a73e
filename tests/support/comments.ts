import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ClientRow, Database, FindingRow, UserRow } from '../../db/schema.js';
import type { TestApp } from './app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from './factories.js';
import type { Agent } from './http.js';
import { buildFinding } from './workspace.js';

type Db = Kysely<Database>;

/** A fresh client message id (what the browser's newClientMessageId makes). */
export const cmid = () => randomUUID().replace(/-/g, '');

/** The stored mention token for a user (as the composer inserts it). */
export const mention = (u: Pick<UserRow, 'id' | 'name'>) => `@[${u.name}](${u.id})`;

/** Two clients with people of every kind, staff, and a published finding + a draft of client A and a published finding of B. */
export interface CommentWorld {
  a: ClientRow;
  b: ClientRow;
  analyst: UserRow;
  analyst2: UserRow;
  viewerA: UserRow;
  collaboratorA: UserRow;
  managerA: UserRow;
  userB: UserRow;
  findingA: FindingRow;
  draftA: FindingRow;
  findingB: FindingRow;
}

let n = 0;
/** Build a CommentWorld (names are unique per world, so mentions and texts can be told apart). */
export async function buildCommentWorld(db: Db): Promise<CommentWorld> {
  const k = ++n;
  const a = await buildClient(db);
  const b = await buildClient(db);
  return {
    a,
    b,
    analyst: await buildStaff(db, { name: `Ana Analyst ${k}` }),
    analyst2: await buildStaff(db, { name: `Ben Analyst ${k}` }),
    viewerA: await buildPortalUser(db, { client_id: a.id, role: 'viewer', name: `Vic Viewer ${k}` }),
    collaboratorA: await buildPortalUser(db, { client_id: a.id, role: 'collaborator', name: `Cora Collaborator ${k}` }),
    managerA: await buildPortalUser(db, { client_id: a.id, role: 'manager', name: `Max Manager ${k}` }),
    userB: await buildPortalUser(db, { client_id: b.id, role: 'manager', name: `Bea Other ${k}` }),
    findingA: await buildFinding(db, { client_id: a.id, published: true, title: `SQL injection in login ${k}` }),
    draftA: await buildFinding(db, { client_id: a.id, title: `Draft finding ${k}` }),
    findingB: await buildFinding(db, { client_id: b.id, published: true, title: `B finding ${k}` }),
  };
}

/** Signed-in agents for each person of a world. */
export async function agentsOf(app: TestApp, w: CommentWorld) {
  return {
    analyst: await signIn(app, w.analyst),
    analyst2: await signIn(app, w.analyst2),
    viewerA: await signIn(app, w.viewerA),
    collaboratorA: await signIn(app, w.collaboratorA),
    managerA: await signIn(app, w.managerA),
    userB: await signIn(app, w.userB),
  };
}

/** POST a comment; returns the response. */
export function postComment(agent: Agent, findingId: string, body: string, extra: { internal?: boolean; clientMessageId?: string } = {}) {
  return agent.post(`/api/findings/${findingId}/comments`, {
    body,
    clientMessageId: extra.clientMessageId ?? cmid(),
    ...(extra.internal !== undefined && { internal: extra.internal }),
  });
}

/** Insert a comment row directly (matrix setup): returns its id. */
export async function insertCommentRow(
  db: Db,
  finding: Pick<FindingRow, 'id' | 'client_id'>,
  author: Pick<UserRow, 'id'>,
  opts: { internal?: boolean; body?: string } = {},
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('comments')
    .values({
      id,
      finding_id: finding.id,
      client_id: finding.client_id,
      author_id: author.id,
      body: opts.body ?? 'A comment',
      internal: opts.internal ? 1 : 0,
      shared_by: null,
      shared_at: null,
      client_message_id: cmid(),
      created_at: Date.now(),
      edited_at: null,
      deleted_at: null,
    })
    .execute();
  return id;
}

/** A snapshot of everything a comment write may change (to assert that refused input changed nothing). */
export async function commentSnapshot(db: Db): Promise<string> {
  const [comments, followers, notifications, events] = await Promise.all([
    db.selectFrom('comments').selectAll().orderBy('id').execute(),
    db.selectFrom('finding_followers').selectAll().orderBy('finding_id').orderBy('user_id').execute(),
    db.selectFrom('notifications').selectAll().orderBy('id').execute(),
    db.selectFrom('client_events').select(['position']).orderBy('position').execute(),
  ]);
  return JSON.stringify({ comments, followers, notifications, events });
}

/** Notification rows of one user. */
export function notificationsOf(db: Db, userId: string) {
  return db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}
