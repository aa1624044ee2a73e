import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { AttachmentRow, ClientRow, UserRow } from '../../db/schema.js';
import type { TestApp } from './app.js';
import { buildClient, buildPortalUser, buildStaff } from './factories.js';
import { postRaw } from './evidence.js';
import type { Agent, Res } from './http.js';

/** Helpers for the chat tests: people of two clients, rows made directly, uploads. */

/** A fresh browser-style client message id. */
export const cmid = () => `t${randomBytes(9).toString('base64url')}`;

/** Two clients with one person of each portal role for A and a Manager for B, and an analyst. */
export async function chatPeople(
  db: Db,
): Promise<{ a: ClientRow; b: ClientRow; analyst: UserRow; admin: UserRow; viewerA: UserRow; collabA: UserRow; managerA: UserRow; managerB: UserRow }> {
  const a = await buildClient(db);
  const b = await buildClient(db);
  return {
    a,
    b,
    analyst: await buildStaff(db, { name: 'Ana Analyst' }),
    admin: await buildStaff(db, { role: 'admin', name: 'Ada Admin' }),
    viewerA: await buildPortalUser(db, { client_id: a.id, role: 'viewer', name: 'Val Viewer' }),
    collabA: await buildPortalUser(db, { client_id: a.id, role: 'collaborator', name: 'Cole Collaborator' }),
    managerA: await buildPortalUser(db, { client_id: a.id, role: 'manager', name: 'Mia Manager' }),
    managerB: await buildPortalUser(db, { client_id: b.id, role: 'manager', name: 'Ben Other' }),
  };
}

/** A chat message inserted directly (no event, no rate limit): for tests of reading, editing, deleting. */
export async function buildMessage(db: Db, o: { clientId: string; authorId: string; body?: string; at?: number; deleted?: boolean }): Promise<number> {
  const at = o.at ?? Date.now();
  const r = await db
    .insertInto('chat_messages')
    .values({
      client_id: o.clientId,
      author_id: o.authorId,
      body: o.body ?? 'Hello there',
      client_message_id: cmid(),
      created_at: at,
      edited_at: null,
      deleted_at: o.deleted ? at : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** A pending upload's row (no file on disk) made at `at`: what the stale-upload pruner looks for. */
export async function buildPendingUpload(
  db: Db,
  o: { id: string; clientId: string; uploaderId: string; purpose: 'chat' | 'remediation'; at: number },
): Promise<void> {
  await db
    .insertInto('attachments')
    .values({
      id: o.id,
      client_id: o.clientId,
      uploader_id: o.uploaderId,
      purpose: o.purpose,
      message_id: null,
      round_id: null,
      kind: 'file',
      file: `attachments/${o.id}.txt`,
      thumb_file: null,
      original_name: 'notes.txt',
      mime: 'text/plain',
      size: 1,
      width: null,
      height: null,
      created_at: o.at,
    })
    .execute();
}

/** An attachment row with a real stored file (`attachments/<hex>.<ext>`), attached to `messageId` or pending. */
export async function buildAttachment(
  app: TestApp,
  o: {
    clientId: string;
    uploaderId: string;
    messageId?: number | null;
    bytes: Buffer;
    ext?: 'png' | 'txt';
    roundId?: string | null;
    purpose?: 'chat' | 'remediation';
  },
): Promise<AttachmentRow> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const ext = o.ext ?? 'png';
  const file = `attachments/${randomBytes(16).toString('hex')}.${ext}`;
  const thumb = ext === 'png' ? `attachments/${randomBytes(16).toString('hex')}.webp` : null;
  await mkdir(path.join(app.config.uploadsDir, 'attachments'), { recursive: true });
  await writeFile(path.join(app.config.uploadsDir, file), o.bytes);
  if (thumb) await writeFile(path.join(app.config.uploadsDir, thumb), o.bytes);
  const row: AttachmentRow = {
    id: crypto.randomUUID(),
    client_id: o.clientId,
    uploader_id: o.uploaderId,
    purpose: o.purpose ?? 'chat',
    message_id: o.messageId ?? null,
    round_id: o.roundId ?? null,
    kind: ext === 'png' ? 'image' : 'file',
    file,
    thumb_file: thumb,
    original_name: `shared.${ext}`,
    mime: ext === 'png' ? 'image/png' : 'text/plain',
    size: o.bytes.length,
    width: ext === 'png' ? 8 : null,
    height: ext === 'png' ? 8 : null,
    created_at: Date.now(),
  };
  await app.db.insertInto('attachments').values(row).execute();
  return row;
}

/** Upload a chat file as the agent. */
export function uploadChatFile(
  app: TestApp,
  agent: Agent | null,
  clientId: string,
  bytes: Buffer,
  name = 'shot.png',
  contentType = 'application/octet-stream',
): Promise<Res> {
  return postRaw(app, agent, `/chat/${encodeURIComponent(clientId)}/attachments?${new URLSearchParams({ name })}`, bytes, contentType);
}

/** Everything the chat writes, for "invalid input changed nothing". */
export async function chatSnapshot(db: Db): Promise<string> {
  const [m, a, r, e] = await Promise.all([
    db.selectFrom('chat_messages').selectAll().orderBy('id').execute(),
    db.selectFrom('attachments').selectAll().orderBy('id').execute(),
    db.selectFrom('chat_reads').selectAll().orderBy('client_id').orderBy('user_id').execute(),
    db.selectFrom('client_events').select(['position', 'type', 'entity_id']).orderBy('position').execute(),
  ]);
  return JSON.stringify({ m, a, r, e });
}
