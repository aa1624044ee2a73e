import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { PortalRole } from '../../db/schema.js';
import { createSession } from '../../server/auth/session.js';
import { sessionCookieName } from '../../server/auth/cookie.js';

/**
 * Seeds what a scenario needs straight into the database (before the server starts): the firm,
 * clients with every module on, portal users and staff with a fully verified session each
 * (made by the server's own session code, so the cookies are valid), and published findings
 * the staff can update or comment on. No passwords: nobody signs in through the login form.
 */

export interface SeedUser {
  id: string;
  cookie: string;
}
export interface SeedClient {
  id: string;
  users: SeedUser[];
  findings: string[];
}
export interface World {
  clients: SeedClient[];
  staff: SeedUser[];
}

export interface SeedSpec {
  clients: number;
  usersPerClient: number;
  role?: PortalRole;
  findingsPerClient?: number;
  staff?: number;
  /** Session timeouts the server will apply (its defaults unless the bench changes them). */
  idleMs: number;
  absoluteMs: number;
}

const MODULES_ON = JSON.stringify({ projects: true, findings: true, reports: true, chat: true, activity: true });

export async function seedWorld(db: Db, spec: SeedSpec): Promise<World> {
  const now = Date.now();
  const name = sessionCookieName(false);
  const timeouts = { idleMs: spec.idleMs, absoluteMs: spec.absoluteMs };
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('firm')
      .values({
        id: 1,
        name: 'Bench Security',
        support_email: null,
        support_phone: null,
        mfa_required_for_staff: 0,
        session_idle_minutes: null,
        session_absolute_hours: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const session = async (userId: string): Promise<SeedUser> => {
      const { token } = await createSession(trx, { userId, mfaVerified: true, ip: '127.0.0.1', userAgent: 'bench' }, now, timeouts);
      return { id: userId, cookie: `${name}=${token}` };
    };
    const staff: SeedUser[] = [];
    for (let i = 0; i < (spec.staff ?? 1); i++) {
      const id = randomUUID();
      await trx
        .insertInto('users')
        .values({
          id,
          kind: 'staff',
          role: 'admin',
          client_id: null,
          email: `staff${i}-${id.slice(0, 8)}@bench.test`,
          name: `Analyst ${i}`,
          password_hash: null,
          status: 'active',
          created_at: now,
          updated_at: now,
          last_login_at: null,
          totp_secret_enc: null,
          totp_pending_enc: null,
          totp_last_step: null,
          avatar_file: null,
          invited_by: null,
        })
        .execute();
      staff.push(await session(id));
    }
    const clients: SeedClient[] = [];
    for (let c = 0; c < spec.clients; c++) {
      const id = randomUUID();
      await trx
        .insertInto('clients')
        .values({
          id,
          name: `Client ${c}`,
          portal_enabled: 1,
          archived_at: null,
          session_idle_minutes: null,
          session_absolute_hours: null,
          modules: MODULES_ON,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const users = Array.from({ length: spec.usersPerClient }, (_, u) => ({
        id: randomUUID(),
        kind: 'portal' as const,
        role: spec.role ?? 'collaborator',
        client_id: id,
        email: `u${u}-${c}-${id.slice(0, 8)}@client.test`,
        name: `User ${c}.${u}`,
        password_hash: null,
        status: 'active' as const,
        created_at: now,
        updated_at: now,
        last_login_at: null,
        totp_secret_enc: null,
        totp_pending_enc: null,
        totp_last_step: null,
        avatar_file: null,
        invited_by: null,
      }));
      for (let i = 0; i < users.length; i += 200)
        await trx
          .insertInto('users')
          .values(users.slice(i, i + 200))
          .execute();
      const sessions: SeedUser[] = [];
      for (const u of users) sessions.push(await session(u.id));
      const findings: string[] = [];
      if (spec.findingsPerClient) {
        const projectId = randomUUID();
        await trx
          .insertInto('projects')
          .values({
            id: projectId,
            client_id: id,
            name: `Project ${c}`,
            status: 'active',
            start_date: null,
            end_date: null,
            created_by: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        const rows = Array.from({ length: spec.findingsPerClient }, (_, f) => ({
          id: randomUUID(),
          project_id: projectId,
          client_id: id,
          title: `Finding ${f}`,
          severity: 'high' as const,
          cvss_vector: null,
          cvss_version: null,
          cvss_score: null,
          published: 1,
          published_at: now,
          created_by: null,
          created_at: now,
          updated_at: now,
          due_paused_at: null,
        }));
        for (let i = 0; i < rows.length; i += 200)
          await trx
            .insertInto('findings')
            .values(rows.slice(i, i + 200))
            .execute();
        findings.push(...rows.map((r) => r.id));
      }
      clients.push({ id, users: sessions, findings });
    }
    return { clients, staff };
  });
}
