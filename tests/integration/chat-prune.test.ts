import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, signIn } from '../support/factories.js';
import { storedPath } from '../../server/services/storage.js';
import { PENDING_ATTACHMENT_TTL_MS } from '../../server/commands/attachments/prune-pending.js';
import { uploadChatFile } from '../support/chat.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => app.close());

describe('pending uploads', () => {
  it('an upload no message used is removed (row and file) after a day; an attached one stays', async () => {
    const client = await buildClient(app.db);
    const user = await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' }));
    const upload = async (name: string) => {
      const res = await uploadChatFile(app, user, client.id, Buffer.from(`notes for ${name}\n`), name, 'text/plain');
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.attachment.id as string;
    };
    const unused = await upload('unused.txt');
    const used = await upload('used.txt');
    expect((await user.post(`/api/chat/${client.id}/messages`, { body: 'see file', clientMessageId: 'prune-test-1', attachmentIds: [used] })).status).toBe(201);
    const file = (await app.db.selectFrom('attachments').select('file').where('id', '=', unused).executeTakeFirstOrThrow()).file;
    expect(existsSync(storedPath(app.config.uploadsDir, file)!)).toBe(true);

    await app.server.pruneEvents();
    expect(await app.db.selectFrom('attachments').select('id').where('id', '=', unused).executeTakeFirst()).toBeDefined();

    app.clock.advance(PENDING_ATTACHMENT_TTL_MS + 1000);
    await app.server.pruneEvents();
    expect(await app.db.selectFrom('attachments').select('id').where('id', '=', unused).executeTakeFirst()).toBeUndefined();
    expect(existsSync(storedPath(app.config.uploadsDir, file)!)).toBe(false);
    expect(await app.db.selectFrom('attachments').select('id').where('id', '=', used).executeTakeFirst()).toBeDefined();
  });
});
