import { cmid, buildAttachment, buildMessage } from '../../support/chat.js';
import { matrixPng } from '../../support/matrix-fixtures.js';
import { make, other, portal, sharedRead, signedIn, type Ctx, type MatrixEntry, type Owner } from './shapes.js';

/**
 * The authorization matrix for the chat routes (joined with the core table by the runner).
 * Reading a channel: staff and the client's own people; writing: staff and the client's
 * Collaborators and Managers (its Viewers 403); the other client's people 404 everywhere.
 */

/** Staff and the owner's Collaborators/Managers; the owner's Viewer 403 (role), the other client's people 404. */
const chatWrite = (o: Owner) => make('ok', { anonymous: 401, ...portal(other(o), 404), ...(o === 'A' ? { viewerA: 403 } : {}) });

const clientOf = (c: Pick<Ctx, 'f' | 'owner'>) => c.f[c.owner].client.id;

/** A message in the owner's channel written by the actor when they could have written it there, else by the owner's Collaborator. */
const ownMessage: MatrixEntry['setup'] = async (c, app) => {
  const own = c.actor && (c.actor.kind === 'staff' || c.actor.client_id === clientOf(c));
  const messageId = await buildMessage(app.db, { clientId: clientOf(c), authorId: own ? c.actor!.id : c.f[c.owner].collaborator.id });
  return { messageId: String(messageId) };
};

/** An image shared in a message of the owner's channel. */
const sharedImage: MatrixEntry['setup'] = async (c, app) => {
  const author = c.f[c.owner].collaborator.id;
  const messageId = await buildMessage(app.db, { clientId: clientOf(c), authorId: author });
  const a = await buildAttachment(app, { clientId: clientOf(c), uploaderId: author, messageId, bytes: await matrixPng() });
  return { attachmentId: a.id };
};

export const CHAT_MATRIX: MatrixEntry[] = [
  { method: 'GET', path: '/api/chat/channels', expect: signedIn() },
  { method: 'GET', path: '/api/chat/:clientId/messages', params: (c) => ({ clientId: clientOf(c) }), expect: sharedRead },
  {
    method: 'POST',
    path: '/api/chat/:clientId/messages',
    params: (c) => ({ clientId: clientOf(c) }),
    body: () => ({ body: 'Hello from the matrix', clientMessageId: cmid() }),
    expect: chatWrite,
  },
  {
    method: 'PATCH',
    path: '/api/chat/messages/:id',
    setup: ownMessage,
    params: (c) => ({ id: c.extra.messageId! }),
    body: () => ({ body: 'Edited by the matrix' }),
    expect: chatWrite,
  },
  { method: 'DELETE', path: '/api/chat/messages/:id', setup: ownMessage, params: (c) => ({ id: c.extra.messageId! }), expect: chatWrite },
  {
    method: 'POST',
    path: '/api/chat/:clientId/read',
    setup: ownMessage,
    params: (c) => ({ clientId: clientOf(c) }),
    body: (c) => ({ lastReadId: Number(c.extra.messageId) }),
    expect: sharedRead,
  },
  {
    method: 'POST',
    path: '/api/chat/:clientId/attachments',
    params: (c) => ({ clientId: clientOf(c) }),
    query: () => ({ name: 'matrix.png' }),
    raw: { contentType: 'image/png', bytes: matrixPng },
    expect: chatWrite,
  },
  { method: 'GET', path: '/api/attachments/:id', setup: sharedImage, params: (c) => ({ id: c.extra.attachmentId! }), expect: sharedRead },
  { method: 'GET', path: '/api/attachments/:id/thumb', setup: sharedImage, params: (c) => ({ id: c.extra.attachmentId! }), expect: sharedRead },
];
