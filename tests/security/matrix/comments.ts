import type { TestApp } from '../../support/app.js';
import { cmid, insertCommentRow } from '../../support/comments.js';
import { make, other, portal, PORTAL_OF, sharedRead, staffView, staffWrite, type Ctx, type MatrixEntry, type Owner, type Role } from './shapes.js';

/**
 * The authorization matrix for the comments routes (joined with the core table by the runner).
 * Writing is for staff and the owning client's Collaborators and Managers: the owner's Viewer
 * gets 403, the other client's people 404. Internal notes are invisible to portal users (404).
 */

const w = (c: Pick<Ctx, 'f' | 'owner'>) => c.f[c.owner];
/** The owner's Viewer, by role. */
const viewerOf = (o: Owner): Role[] => PORTAL_OF[o].filter((r) => r === 'viewerA');
/** Staff and the owner's Collaborators/Managers ok; the owner's Viewer 403; the other client's people 404. */
const talkers = (o: Owner) => make('ok', { anonymous: 401, ...portal(other(o), 404), ...Object.fromEntries(viewerOf(o).map((r) => [r, 403])) });
/** Only the author (who is nobody acting here): the owner's people and staff 403, the other client's 404. */
// A scoped analyst is refused by rule on A's comment (403); B's does not exist for them (404).
const notAuthor = (o: Owner) => make(403, { anonymous: 401, ...portal(other(o), 404), scopedAnalyst: o === 'A' ? 403 : 404 });

type Setup = NonNullable<MatrixEntry['setup']>;
/** A comment on the owner's published finding written by the actor (anonymous: by the owner's member). */
const ownComment: Setup = async (c, app: TestApp) => ({ commentId: await insertCommentRow(app.db, w(c).finding, c.actor ?? w(c).member) });
/** A comment on the owner's published finding written by the owner's member (never an actor). */
const othersComment: Setup = async (c, app: TestApp) => ({ commentId: await insertCommentRow(app.db, w(c).finding, w(c).member) });
/** An internal note by the firm's analyst on the owner's published finding. */
const internalNote: Setup = async (c, app: TestApp) => ({ commentId: await insertCommentRow(app.db, w(c).finding, c.f.staff.analyst, { internal: true }) });
/** An internal note by the actor (anonymous/portal actors too: a portal user still may not know it exists). */
const ownInternalNote: Setup = async (c, app: TestApp) => ({
  commentId: await insertCommentRow(app.db, w(c).finding, c.actor ?? c.f.staff.analyst, { internal: true }),
});

const commentParam = (c: Ctx) => ({ id: c.extra.commentId! });
const staffMadeUp404 = { analyst: 404, admin: 404, scopedAnalyst: 404 } as const;

export const COMMENTS_MATRIX: MatrixEntry[] = [
  { method: 'GET', path: '/api/findings/:id/comments', case: 'published finding', expect: sharedRead, params: (c) => ({ id: w(c).finding.id }) },
  { method: 'GET', path: '/api/findings/:id/comments', case: 'draft', expect: staffView, params: (c) => ({ id: w(c).draft.id }) },
  {
    method: 'POST',
    path: '/api/findings/:id/comments',
    case: 'comment',
    expect: talkers,
    params: (c) => ({ id: w(c).finding.id }),
    body: () => ({ body: 'A matrix comment', clientMessageId: cmid() }),
  },
  {
    method: 'POST',
    path: '/api/findings/:id/comments',
    case: 'internal note',
    expect: staffWrite,
    params: (c) => ({ id: w(c).finding.id }),
    body: () => ({ body: 'A matrix note', clientMessageId: cmid(), internal: true }),
  },
  {
    method: 'POST',
    path: '/api/findings/:id/comments',
    case: 'on a draft',
    expect: staffView,
    params: (c) => ({ id: w(c).draft.id }),
    body: () => ({ body: 'On a draft', clientMessageId: cmid() }),
  },
  {
    method: 'PATCH',
    path: '/api/comments/:id',
    case: 'own comment',
    expect: talkers,
    setup: ownComment,
    params: commentParam,
    body: () => ({ body: 'Edited' }),
  },
  {
    method: 'PATCH',
    path: '/api/comments/:id',
    case: "someone else's comment",
    expect: notAuthor,
    madeUp: staffMadeUp404,
    setup: othersComment,
    params: commentParam,
    body: () => ({ body: 'Edited' }),
  },
  {
    method: 'PATCH',
    path: '/api/comments/:id',
    case: 'own internal note',
    expect: staffView,
    setup: ownInternalNote,
    params: commentParam,
    body: () => ({ body: 'Edited' }),
  },
  { method: 'DELETE', path: '/api/comments/:id', case: 'own comment', expect: talkers, setup: ownComment, params: commentParam },
  {
    method: 'DELETE',
    path: '/api/comments/:id',
    case: "someone else's comment",
    expect: notAuthor,
    madeUp: staffMadeUp404,
    setup: othersComment,
    params: commentParam,
  },
  { method: 'DELETE', path: '/api/comments/:id', case: 'own internal note', expect: staffView, setup: ownInternalNote, params: commentParam },
  { method: 'POST', path: '/api/comments/:id/share', case: 'internal note', expect: staffView, setup: internalNote, params: commentParam },
  { method: 'POST', path: '/api/comments/:id/share', case: 'comment the client sees', expect: staffWrite, setup: othersComment, params: commentParam },
  { method: 'GET', path: '/api/findings/:id/mentionable', case: 'comment', expect: talkers, params: (c) => ({ id: w(c).finding.id }) },
  {
    method: 'GET',
    path: '/api/findings/:id/mentionable',
    case: 'internal note',
    expect: staffWrite,
    params: (c) => ({ id: w(c).finding.id }),
    query: () => ({ internal: 'true' }),
  },
  { method: 'GET', path: '/api/findings/:id/mentionable', case: 'draft', expect: staffView, params: (c) => ({ id: w(c).draft.id }) },
];
