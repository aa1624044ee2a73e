import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff } from '../support/factories.js';
import { updateSecuritySettings } from '../../server/commands/account/update-security-settings.js';
import { resetUserMfa } from '../../server/commands/account/reset-user-mfa.js';
import { scopeOf } from '../../server/repositories/staff-scope.js';
import type { CommandContext } from '../../server/context.js';
import type { UserRow } from '../../db/schema.js';
import { AppError } from '../../server/errors.js';

/**
 * The admin-only account commands guard themselves (not only their routes): called directly, as
 * another transport would, an analyst cannot change the firm's security settings and a client's
 * Manager cannot reset anyone's second factor — their own people's included.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db);
});
afterAll(async () => app?.close());

async function contextOf(user: UserRow): Promise<CommandContext> {
  const session = {
    id: 's',
    user_id: user.id,
    mfa_verified: 1,
    created_at: 0,
    last_active_at: 0,
    expires_at: Number.MAX_SAFE_INTEGER,
    ip: null,
    user_agent: null,
    check_at: 0,
    passkey_owed: 0,
  };
  return {
    viewer: {
      user: { ...user, mfa_enrolled: user.totp_secret_enc !== null, totp_enrolled: user.totp_secret_enc !== null, scope: await scopeOf(app.db, user) },
      session,
    },
    audit: { actorId: user.id, actorEmail: user.email, clientId: user.client_id, ip: null, userAgent: null },
  };
}
const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok' as const,
    (err: unknown) => (err instanceof AppError ? err.status : err),
  );

describe('account commands called directly', () => {
  it('updateSecuritySettings: an analyst is refused (403) and nothing changes; an admin may', async () => {
    const analyst = await buildStaff(app.db, { role: 'analyst' });
    const admin = await buildStaff(app.db, { role: 'admin' });
    expect(await statusOf(updateSecuritySettings(app.deps, await contextOf(analyst), { mfaRequiredForStaff: true }))).toBe(403);
    expect((await app.db.selectFrom('firm').select('mfa_required_for_staff').executeTakeFirstOrThrow()).mfa_required_for_staff).toBe(0);
    expect(await statusOf(updateSecuritySettings(app.deps, await contextOf(admin), { sessionIdleMinutes: 45 }))).toBe('ok');
  });

  it('resetUserMfa: a client Manager is refused (403) even for their own client’s user; staff who reach the client may', async () => {
    const client = await buildClient(app.db);
    const manager = await buildPortalUser(app.db, { client_id: client.id, role: 'manager' });
    const viewer = await buildPortalUser(app.db, { client_id: client.id, role: 'viewer', totp_secret_enc: 'sealed' });
    expect(await statusOf(resetUserMfa(app.deps, await contextOf(manager), viewer.id))).toBe(403);
    expect((await app.db.selectFrom('users').select('totp_secret_enc').where('id', '=', viewer.id).executeTakeFirstOrThrow()).totp_secret_enc).toBe('sealed');
    expect(await statusOf(resetUserMfa(app.deps, await contextOf(await buildStaff(app.db)), viewer.id))).toBe('ok');
  });
});
