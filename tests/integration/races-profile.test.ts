import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appOn } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { smallPng, uploadAvatar } from '../support/images.js';
import { holding } from '../support/locks.js';
import { storeFile } from '../../server/services/storage.js';

/**
 * The last read-then-write steps of the transaction review (docs/transactions.md, item 15), on
 * PostgreSQL: a transaction of the test's own makes the first change and holds it while the app's
 * request runs (tests/support/locks.ts), so the interleaving is the same every time. Each failed
 * before its fix: a preference change lost, an avatar file left on disk, a 409 that told an
 * inviter the address belongs to someone else.
 */
describe('a person’s own row, and one address invited twice, on PostgreSQL', () => {
  const on = appOn('PostgreSQL');
  const db = () => on.app.db;

  it('two preference changes at once keep both', async () => {
    const user = await buildStaff(db());
    const agent = await signIn(on.app, user);
    const [, res] = await holding(
      db(),
      (trx) =>
        trx
          .updateTable('users')
          .set({ notify_prefs: JSON.stringify({ emailChat: false }) })
          .where('id', '=', user.id)
          .execute(),
      () => agent.patch('/api/profile', { notifyPrefs: { emailMentions: false } }),
      1,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.notifyPrefs).toMatchObject({ emailChat: false, emailMentions: false });
  });

  it('an avatar uploaded while another upload commits replaces it and deletes its file', async () => {
    const user = await buildStaff(db());
    const agent = await signIn(on.app, user);
    const image = await smallPng();
    const other = await storeFile(on.app.config.uploadsDir, 'avatars', 'webp', image);
    const [, res] = await holding(
      db(),
      (trx) => trx.updateTable('users').set({ avatar_file: other }).where('id', '=', user.id).execute(),
      () => uploadAvatar(on.app, agent, image, 'image/png'),
      1,
    );
    expect(res.status, res.text).toBe(200);
    const now = (await db().selectFrom('users').select('avatar_file').where('id', '=', user.id).executeTakeFirstOrThrow()).avatar_file!;
    expect(existsSync(path.join(on.app.config.uploadsDir, other))).toBe(false);
    expect(readdirSync(path.join(on.app.config.uploadsDir, 'avatars'))).toContain(path.basename(now));
  });

  it('an address invited into one client while another invitation of it commits is held, with the same 201 as any invitation', async () => {
    const [client, elsewhere] = [await buildClient(db()), await buildClient(db())];
    // A client's manager may not know who has accounts elsewhere (an admin may: for them a taken address is a plain 409).
    const manager = await signIn(on.app, await buildPortalUser(db(), { client_id: client.id, role: 'manager' }));
    const email = `twice-${randomUUID().slice(0, 8)}@client.test`;
    const now = on.app.clock();
    const [, res] = await holding(
      db(),
      // The first invitation's account, into the other client, not yet committed.
      (trx) =>
        trx
          .insertInto('users')
          .values({
            id: randomUUID(),
            kind: 'portal',
            role: 'viewer',
            client_id: elsewhere.id,
            email,
            name: 'First',
            status: 'invited',
            created_at: now,
            updated_at: now,
          })
          .execute(),
      () => manager.post('/api/portal/users', { email, name: 'Second', role: 'viewer' }),
      1,
    );
    expect(res.status, res.text).toBe(201);
    const held = await db().selectFrom('users').select(['client_id', 'held_reason']).where('held_email', '=', email).execute();
    expect(held).toEqual([{ client_id: client.id, held_reason: 'other_client' }]);
    // The same shape of answer as a fresh invitation into the client.
    const fresh = await manager.post('/api/portal/users', {
      email: `fresh-${randomUUID().slice(0, 8)}@client.test`,
      name: 'Fresh',
      role: 'viewer',
    });
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(fresh.body).sort());
  });
});
