import { serve } from './endpoint.js';
import { Router } from 'express';
import { markRead } from '../commands/chat/mark-read.js';
import { deleteMessage } from '../commands/chat/delete.js';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { messageIdParam } from '../queries/chat/channel.js';
import { chatHistory, listChannels } from '../queries/chat/read.js';
import { sendMessage } from '../commands/chat/send.js';
import { editMessage } from '../commands/chat/edit.js';
import { receiveAttachment } from '../commands/attachments/upload.js';
import { serveAuditedFile } from '../queries/downloads.js';
import { openAttachmentFile, type AttachmentVariant } from '../queries/attachments/download.js';

/**
 * The client chat channel over HTTP: channels, history, sends, edits, deletes, read positions,
 * file uploads, and the authorised, audited downloads of every attachment (chat and remediation).
 * A portal user's channel is always their own client's (another :clientId is 404).
 */
export function chatRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /chat/channels', async ({ req }) => ({ channels: await listChannels(deps, commandContextOf(req)) }));

  serve(r, 'GET /chat/:clientId/messages', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return await chatHistory(deps, ctx, req.params.clientId, input());
  });

  serve(r, 'POST /chat/:clientId/messages', async ({ req, res, input }) => {
    const ctx = commandContextOf(req);
    const sent = await sendMessage(deps, ctx, { ...input(), clientId: req.params.clientId });
    if (!sent.created) res.status(200);
    return { message: sent.message };
  });

  serve(r, 'PATCH /chat/messages/:id', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    const id = messageIdParam(req.params.id);
    return { message: await editMessage(deps, ctx, id, input()) };
  });

  serve(r, 'DELETE /chat/messages/:id', async ({ req }) => {
    const ctx = commandContextOf(req);
    return { message: await deleteMessage(deps, ctx, messageIdParam(req.params.id)) };
  });

  serve(r, 'POST /chat/:clientId/read', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return await markRead(deps, ctx, req.params.clientId, input().lastReadId);
  });

  serve(r, 'POST /chat/:clientId/attachments', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    const { name } = input();
    const attachment = await receiveAttachment(deps, ctx, req, { clientId: req.params.clientId, purpose: 'chat', name });
    return { attachment };
  });

  const download = (variant: AttachmentVariant) => async (req: import('express').Request, res: import('express').Response) => {
    const id = String(req.params.id);
    await serveAuditedFile(deps, req, res, { type: 'attachment', id, variant }, () => openAttachmentFile(deps, commandContextOf(req), id, variant));
  };
  r.get('/attachments/:id', download('file'));
  r.get('/attachments/:id/thumb', download('thumb'));

  return r;
}
