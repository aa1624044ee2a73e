import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { appWithSockets, ask, connected, connectSocket } from '../support/socket.js';
import type { AppSocket } from '../../server/realtime/socket-types.js';

/**
 * The viewer a request or a socket carries holds no secret: no password hash, no TOTP secret
 * (active or pending), no last TOTP step, no session hash. It lives on every open socket; the
 * account commands that check a secret read the account themselves (`accountOf`).
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

const SECRETS = ['password_hash', 'totp_secret_enc', 'totp_pending_enc', 'totp_last_step'];

function serverSocketOf(userId: string): AppSocket {
  const s = [...app.server.io.sockets.sockets.values()].find((x: AppSocket) => x.data.viewer?.user.id === userId);
  if (!s) throw new Error('no server socket for the user');
  return s;
}

describe('the viewer holds no secret', () => {
  it('on a socket, after the handshake and after an event re-validates it: the socket keeps only who it is', async () => {
    const client = await buildClient(app.db);
    const enrolled = await buildPortalUser(app.db, { client_id: client.id, totp_secret_enc: 'box-of-a-secret', totp_pending_enc: 'box-of-another' });
    const staff = await buildStaff(app.db);
    for (const user of [enrolled, staff]) {
      const socket = connectSocket(app, await signIn(app, user));
      open.push(socket);
      await connected(socket);
      const check = () => {
        const { viewer } = serverSocketOf(user.id).data;
        for (const key of SECRETS) expect(viewer.user, key).not.toHaveProperty(key);
        expect(viewer.session).not.toHaveProperty('secret_hash');
        // A socket keeps only who it is (its rooms and presence); each event runs as the viewer validated for it.
        expect(Object.keys(viewer.user).sort()).toEqual(['client_id', 'id', 'kind', 'name', 'scope']);
        expect(Object.keys(viewer.session)).toEqual(['id']);
        expect(JSON.stringify(viewer)).not.toContain('box-of-');
      };
      check();
      expect(await ask(socket, 'feed:subscribe', { since: null })).toMatchObject({ ok: true });
      check();
    }
  });
});
