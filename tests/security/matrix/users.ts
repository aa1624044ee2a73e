import { randomUUID } from 'node:crypto';
import { hashSecretHex, randomToken } from '../../../server/auth/tokens.js';
import { adminOnly, everyone, ownManager, staffView, type Ctx, type MatrixEntry } from './shapes.js';

/**
 * The authorization matrix for changing a person's e-mail (issue 18, point 11): staff for any
 * client's people (404 to portal users, as every client record), admins for the team, a client's
 * own Managers for their own people; confirming is public, the mailed link is the credential.
 */

const w = (c: Ctx) => c.f[c.owner];
const fresh = (c: Ctx, who: string) => ({ email: `${who}.${c.f.tag}.${c.owner}.${c.actor?.id.slice(0, 8) ?? 'anon'}@changed.test` });

/** A pending change of the owner's member, with a token only this request knows. */
const pendingChange: MatrixEntry['setup'] = async (c, app) => {
  const token = randomToken(20);
  const member = c.f[c.owner].member;
  const now = app.clock();
  await app.db
    .insertInto('email_changes')
    .values({
      id: randomUUID(),
      token_hash: hashSecretHex(token),
      user_id: member.id,
      old_email: member.email,
      new_email: `confirmed.${randomToken(5)}@changed.test`,
      requested_by: null,
      created_at: now,
      expires_at: now + 3_600_000,
      used_at: null,
      voided_at: null,
    })
    .execute();
  return { token };
};

export const USERS_MATRIX: MatrixEntry[] = [
  {
    method: 'POST',
    path: '/api/clients/:clientId/users/:userId/email',
    expect: staffView,
    params: (c) => ({ clientId: w(c).client.id, userId: w(c).member.id }),
    body: (c) => fresh(c, 'staffside'),
  },
  {
    method: 'POST',
    path: '/api/portal/users/:userId/email',
    expect: ownManager,
    params: (c) => ({ userId: w(c).member.id }),
    body: (c) => fresh(c, 'manager'),
  },
  { method: 'POST', path: '/api/staff/:userId/email', expect: adminOnly, params: (c) => ({ userId: c.f.staff.member.id }), body: (c) => fresh(c, 'team') },
  { method: 'GET', path: '/api/email-change/:token', setup: pendingChange, expect: everyone('ok'), params: (c) => ({ token: c.extra.token! }) },
  { method: 'POST', path: '/api/email-change/confirm', setup: pendingChange, expect: everyone('ok'), body: (c) => ({ token: c.extra.token! }) },
];
