import { Router } from 'express';
import { markRead } from '../commands/chat/mark-read.js';
import { deleteMessage } from '../commands/chat/delete.js';
import type { AppDeps } from '../context.js';
import { parseInput } from '../validate.js';
import { AttachmentUploadQuery, ChatEditInput, ChatHistoryQuery, ChatPostInput, ChatReadInput } from '../contracts/chat.js';
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

  r.get('/chat/channels', async (req, res) => {
    res.json({ channels: await listChannels(deps, commandContextOf(req)) });
  });

  r.get('/chat/:clientId/messages', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json(await chatHistory(deps, ctx, req.params.clientId, parseInput(ChatHistoryQuery, req.query)));
  });

  r.post('/chat/:clientId/messages', async (req, res) => {
    const ctx = commandContextOf(req);
    const input = parseInput(ChatPostInput, req.body);
    const sent = await sendMessage(deps, ctx, { ...input, clientId: req.params.clientId });
    res.status(sent.created ? 201 : 200).json({ message: sent.message });
  });

  r.patch('/chat/messages/:id', async (req, res) => {
    const ctx = commandContextOf(req);
    const id = messageIdParam(req.params.id);
    res.json({ message: await editMessage(deps, ctx, id, parseInput(ChatEditInput, req.body)) });
  });

  r.delete('/chat/messages/:id', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ message: await deleteMessage(deps, ctx, messageIdParam(req.params.id)) });
  });

  r.post('/chat/:clientId/read', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json(await markRead(deps, ctx, req.params.clientId, parseInput(ChatReadInput, req.body).lastReadId));
  });

  r.post('/chat/:clientId/attachments', async (req, res) => {
    const ctx = commandContextOf(req);
    const { name } = parseInput(AttachmentUploadQuery, req.query);
    const attachment = await receiveAttachment(deps, ctx, req, { clientId: req.params.clientId, purpose: 'chat', name });
    res.status(201).json({ attachment });
  });

  const download = (variant: AttachmentVariant) => async (req: import('express').Request, res: import('express').Response) => {
    const id = String(req.params.id);
    await serveAuditedFile(deps, req, res, { type: 'attachment', id, variant }, () => openAttachmentFile(deps, commandContextOf(req), id, variant));
  };
  r.get('/attachments/:id', download('file'));
  r.get('/attachments/:id/thumb', download('thumb'));

  return r;
}
