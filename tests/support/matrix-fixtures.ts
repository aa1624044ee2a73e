import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Insertable } from 'kysely';
import type { ClientRow, EvidenceRow, FindingRow, ProjectRow, ReportRow, UserRow, UserTable } from '../../db/schema.js';
import { hashPassword } from '../../server/auth/password.js';
import { hashSecret, hashSecretHex, randomToken } from '../../server/auth/tokens.js';
import { newTotpSecret, sealTotpSecret } from '../../server/auth/totp.js';
import { newResetToken, RESET_TTL_MS } from '../../server/auth/password-reset.js';
import type { TestApp } from './app.js';
import { buildFirm, PASSWORD } from './factories.js';
import { tinyPdf } from './evidence.js';

/**
 * The world the authorization matrix acts on: two clients (A and B) with the same set of
 * people and data each, the firm's staff, and the secrets (invitation and reset links, a TOTP
 * secret) that the public routes need. A fresh world is built for every state-changing request
 * (~700 per run), so rows go in with one multi-row insert per table rather than through the
 * one-row factories (factories.ts, workspace.ts), with the same defaults those use; files are
 * written under the app's uploads folder with names of the form the server itself makes, so
 * downloads and redactions work.
 */

/** One TOTP secret for every account in every world: its code is the same for all of them. */
export const MATRIX_TOTP_SECRET = newTotpSecret();
/** The password an invitation or reset sets (no firm, client or email words in it). */
export const NEW_PASSWORD = 'a quite different passphrase 93';

/** One client's people, data and links (client A and client B are built alike). */
interface ClientWorld {
  client: ClientRow;
  viewer: UserRow;
  collaborator: UserRow;
  manager: UserRow;
  /** Another active Viewer with an avatar: the target of member changes, MFA resets, avatar reads. */
  member: UserRow;
  /** An invited (not yet active) user, with `inviteToken` as their valid link. */
  invitee: UserRow;
  inviteToken: string;
  /** A valid password-reset link of `member`. */
  resetToken: string;
  project: ProjectRow;
  /** Published (visible to the client), with shared image evidence. */
  finding: FindingRow;
  /** Never published: invisible to the client. */
  draft: FindingRow;
  evidence: EvidenceRow;
  /** Published, with its PDF on disk and the right checksum. */
  report: ReportRow;
}

/** Everything one matrix request (or one entry's shared requests) acts on. */
export interface World {
  A: ClientWorld;
  B: ClientWorld;
  staff: { analyst: UserRow; admin: UserRow; member: UserRow; invitee: UserRow; scoped: UserRow };
  /** Per user id: the public id of a second, idle session of theirs (for DELETE /profile/sessions/:id). */
  spareSessions: Map<string, string>;
  /** A short unique word, for emails and names that must not collide between worlds. */
  tag: string;
}

let png: Promise<Buffer> | undefined;
/** An 8×8 noisy PNG (made once): evidence originals, client copies and thumbnails, uploads. */
export const matrixPng = (): Promise<Buffer> =>
  (png ??= sharp(Buffer.from(Array.from({ length: 8 * 8 * 3 }, (_, i) => 40 + ((i * 97) % 200))), { raw: { width: 8, height: 8, channels: 3 } })
    .png()
    .toBuffer());
let webp: Promise<Buffer> | undefined;
const smallWebp = () =>
  (webp ??= sharp({ create: { width: 4, height: 4, channels: 3, background: '#4a7' } })
    .webp()
    .toBuffer());
const pdf = tinyPdf('Matrix report');

/** Write bytes under a server-style stored name (`<folder>/<32 hex>.<ext>`), without the fsync of the real store. */
async function writeStored(app: TestApp, folder: 'avatars' | 'evidence' | 'reports', ext: string, bytes: Buffer): Promise<string> {
  const name = `${folder}/${randomBytes(16).toString('hex')}.${ext}`;
  await mkdir(path.join(app.config.uploadsDir, folder), { recursive: true });
  await writeFile(path.join(app.config.uploadsDir, name), bytes);
  return name;
}

let hashed: Promise<string> | undefined;
/** PASSWORD hashed once per test file (argon2id is deliberately slow). */
const passwordHash = () => (hashed ??= hashPassword(PASSWORD));

type Person = {
  key: string;
  kind: 'staff' | 'portal';
  role: UserRow['role'];
  clientId: string | null;
  name: string;
  email: string;
  status?: 'invited';
  totp?: boolean;
  avatar?: string;
};

let worlds = 0;

/** A fresh world (new clients, people, data and links; the firm row is shared). */
export async function buildWorld(app: TestApp): Promise<World> {
  const db = app.db;
  const tag = `w${++worlds}x${Date.now().toString(36)}`;
  const now = app.clock();
  await buildFirm(db);
  const hash = await passwordHash();
  const image = await matrixPng();
  const uuid = () => randomUUID();
  const clientIds = { A: uuid(), B: uuid() };

  // People: per client a Viewer, Collaborator and Manager (who act), a member and an invitee (targets); then staff.
  const people: Person[] = [];
  for (const label of ['A', 'B'] as const) {
    const clientId = clientIds[label];
    const mail = (who: string) => `${who}.${tag}@client-${label.toLowerCase()}.test`;
    people.push(
      { key: `${label}.viewer`, kind: 'portal', role: 'viewer', clientId, name: `Viewer ${label}`, email: mail('viewer'), totp: true },
      { key: `${label}.collaborator`, kind: 'portal', role: 'collaborator', clientId, name: `Collaborator ${label}`, email: mail('collaborator'), totp: true },
      { key: `${label}.manager`, kind: 'portal', role: 'manager', clientId, name: `Manager ${label}`, email: mail('manager'), totp: true },
      {
        key: `${label}.member`,
        kind: 'portal',
        role: 'viewer',
        clientId,
        name: `Member ${label}`,
        email: mail('member'),
        avatar: await writeStored(app, 'avatars', 'webp', await smallWebp()),
      },
      { key: `${label}.invitee`, kind: 'portal', role: 'viewer', clientId, name: `Invitee ${label}`, email: mail('invitee'), status: 'invited' },
    );
  }
  people.push(
    { key: 'staff.analyst', kind: 'staff', role: 'analyst', clientId: null, name: 'Ana Analyst', email: `analyst.${tag}@acme.test`, totp: true },
    { key: 'staff.admin', kind: 'staff', role: 'admin', clientId: null, name: 'Ada Admin', email: `admin.${tag}@acme.test`, totp: true },
    { key: 'staff.scoped', kind: 'staff', role: 'analyst', clientId: null, name: 'Scott Scoped', email: `scoped.${tag}@acme.test`, totp: true },
    { key: 'staff.member', kind: 'staff', role: 'analyst', clientId: null, name: 'Sam Member', email: `member.${tag}@acme.test` },
    { key: 'staff.invitee', kind: 'staff', role: 'analyst', clientId: null, name: 'Ivy Invitee', email: `invitee.${tag}@acme.test`, status: 'invited' },
  );
  const ids = new Map(people.map((p) => [p.key, uuid()]));
  const userRows: Insertable<UserTable>[] = people.map((p) => {
    const id = ids.get(p.key)!;
    // Every actor has an authenticator and a pending re-enrolment, both with the shared secret.
    const sealed = p.totp ? sealTotpSecret(app.config, id, MATRIX_TOTP_SECRET) : null;
    return {
      id,
      kind: p.kind,
      role: p.role,
      client_id: p.clientId,
      email: p.email,
      name: p.name,
      password_hash: p.status ? null : hash,
      status: p.status ?? 'active',
      created_at: now,
      updated_at: now,
      totp_secret_enc: sealed,
      totp_pending_enc: p.totp ? sealTotpSecret(app.config, id, MATRIX_TOTP_SECRET) : null,
      avatar_file: p.avatar ?? null,
    };
  });

  const projectIds = { A: uuid(), B: uuid() };
  const findingIds = { A: uuid(), B: uuid() };
  const draftIds = { A: uuid(), B: uuid() };
  const evidenceIds = { A: uuid(), B: uuid() };
  const reportIds = { A: uuid(), B: uuid() };
  const tokens = { A: randomToken(20), B: randomToken(20), staff: randomToken(20) };
  const resets = { A: newResetToken(), B: newResetToken() };
  const files: Record<'A' | 'B', string[]> = { A: [], B: [] };
  for (const l of ['A', 'B'] as const) {
    for (let i = 0; i < 3; i++) files[l].push(await writeStored(app, 'evidence', 'png', image));
    files[l].push(await writeStored(app, 'reports', 'pdf', pdf));
  }
  const actors = ['A.viewer', 'A.collaborator', 'A.manager', 'B.manager', 'staff.analyst', 'staff.admin', 'staff.scoped'].map((k) => ids.get(k)!);
  const spare = actors.map((userId) => ({ userId, id: randomToken(15) }));
  const L = ['A', 'B'] as const;

  await db
    .insertInto('clients')
    .values(L.map((l) => ({ id: clientIds[l], name: `Client ${l} ${tag}`, portal_enabled: 1, created_at: now, updated_at: now })))
    .execute();
  await db.insertInto('users').values(userRows).execute();
  await db
    .insertInto('invitations')
    .values(
      [
        ...L.map((l) => ({
          user: ids.get(`${l}.invitee`)!,
          client: clientIds[l],
          token: tokens[l],
          email: people.find((p) => p.key === `${l}.invitee`)!.email,
        })),
        { user: ids.get('staff.invitee')!, client: null, token: tokens.staff, email: `invitee.${tag}@acme.test` },
      ].map((i) => ({
        id: uuid(),
        token_hash: hashSecretHex(i.token),
        user_id: i.user,
        email: i.email,
        client_id: i.client,
        invited_by: null,
        created_at: now,
        expires_at: now + app.config.inviteTtlMs,
        used_at: null,
        voided_at: null,
      })),
    )
    .execute();
  await db
    .insertInto('password_resets')
    .values(
      L.map((l) => ({
        id: uuid(),
        token_hash: resets[l].tokenHash,
        user_id: ids.get(`${l}.member`)!,
        created_at: now,
        expires_at: now + RESET_TTL_MS,
        used_at: null,
      })),
    )
    .execute();
  await db
    .insertInto('sessions')
    .values(
      spare.map((s) => ({
        id: s.id,
        secret_hash: hashSecret(randomToken(20)),
        user_id: s.userId,
        mfa_verified: 1,
        created_at: now,
        last_active_at: now,
        expires_at: now + app.config.sessionAbsoluteMs,
        ip: '127.0.0.1',
        user_agent: 'spare',
      })),
    )
    .execute();
  await db
    .insertInto('projects')
    .values(
      L.map((l) => ({
        id: projectIds[l],
        client_id: clientIds[l],
        name: `Project ${l}`,
        status: 'active' as const,
        start_date: null,
        end_date: null,
        created_by: null,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  await db
    .insertInto('findings')
    .values(
      L.flatMap((l) => [
        {
          id: findingIds[l],
          project_id: projectIds[l],
          client_id: clientIds[l],
          title: `Finding ${l}`,
          severity: 'high' as const,
          cvss_vector: null,
          cvss_version: null,
          cvss_score: null,
          published: 1,
          published_at: now,
          internal_notes: 'internal',
          created_by: null,
          created_at: now,
          updated_at: now,
        },
        {
          id: draftIds[l],
          project_id: projectIds[l],
          client_id: clientIds[l],
          title: `Draft ${l}`,
          severity: 'medium' as const,
          cvss_vector: null,
          cvss_version: null,
          cvss_score: null,
          published: 0,
          published_at: null,
          internal_notes: '',
          created_by: null,
          created_at: now,
          updated_at: now,
        },
      ]),
    )
    .execute();
  // Staff scope (used where the firm scopes analysts): the analyst is assigned to both clients, the
  // scoped analyst is on A's project team only.
  await db
    .insertInto('client_staff')
    .values(L.map((l) => ({ client_id: clientIds[l], user_id: ids.get('staff.analyst')!, assigned_by: null, created_at: now })))
    .execute();
  await db
    .insertInto('project_team')
    .values({ project_id: projectIds.A, user_id: ids.get('staff.scoped')! })
    .execute();
  await db
    .insertInto('finding_status_history')
    .values(
      L.map((l) => ({ finding_id: findingIds[l], client_id: clientIds[l], from_status: null, to_status: 'open' as const, note: '', actor_id: null, at: now })),
    )
    .execute();
  await db
    .insertInto('evidence')
    .values(
      L.map((l) => ({
        id: evidenceIds[l],
        finding_id: findingIds[l],
        client_id: clientIds[l],
        kind: 'image' as const,
        original_name: 'screenshot.png',
        mime: 'image/png',
        size: image.length,
        width: 8,
        height: 8,
        original_file: files[l][0]!,
        client_file: files[l][1]!,
        client_thumb_file: files[l][2]!,
        shared: 1,
        caption: 'shared',
        created_by: null,
        created_at: now,
      })),
    )
    .execute();
  await db
    .insertInto('reports')
    .values(
      L.map((l) => ({
        id: reportIds[l],
        project_id: projectIds[l],
        client_id: clientIds[l],
        title: `Report ${l}`,
        version: 1,
        file: files[l][3]!,
        original_name: 'report.pdf',
        size: pdf.length,
        sha256: createHash('sha256').update(pdf).digest('hex'),
        published: 1,
        published_at: now,
        created_by: null,
        created_at: now,
      })),
    )
    .execute();

  // Read everything back once, so the world holds real rows (generated columns included).
  const byId = async <T extends { id: string }>(rows: Promise<T[]>) => new Map((await rows).map((r) => [r.id, r]));
  const users = await byId(
    db
      .selectFrom('users')
      .selectAll()
      .where('id', 'in', [...ids.values()])
      .execute(),
  );
  const clients = await byId(db.selectFrom('clients').selectAll().where('id', 'in', Object.values(clientIds)).execute());
  const projects = await byId(db.selectFrom('projects').selectAll().where('id', 'in', Object.values(projectIds)).execute());
  const findings = await byId(
    db
      .selectFrom('findings')
      .selectAll()
      .where('id', 'in', [...Object.values(findingIds), ...Object.values(draftIds)])
      .execute(),
  );
  const evidence = await byId(db.selectFrom('evidence').selectAll().where('id', 'in', Object.values(evidenceIds)).execute());
  const reports = await byId(db.selectFrom('reports').selectAll().where('id', 'in', Object.values(reportIds)).execute());
  const user = (key: string) => users.get(ids.get(key)!)!;
  const clientWorld = (l: 'A' | 'B'): ClientWorld => ({
    client: clients.get(clientIds[l])!,
    viewer: user(`${l}.viewer`),
    collaborator: user(`${l}.collaborator`),
    manager: user(`${l}.manager`),
    member: user(`${l}.member`),
    invitee: user(`${l}.invitee`),
    inviteToken: tokens[l],
    resetToken: resets[l].token,
    project: projects.get(projectIds[l])!,
    finding: findings.get(findingIds[l])!,
    draft: findings.get(draftIds[l])!,
    evidence: evidence.get(evidenceIds[l])!,
    report: reports.get(reportIds[l])!,
  });
  return {
    A: clientWorld('A'),
    B: clientWorld('B'),
    staff: {
      analyst: user('staff.analyst'),
      admin: user('staff.admin'),
      member: user('staff.member'),
      invitee: user('staff.invitee'),
      scoped: user('staff.scoped'),
    },
    // The id the sessions page shows (profile.ts: a digest of the real id, which never leaves the server).
    spareSessions: new Map(spare.map((s) => [s.userId, hashSecretHex(s.id).slice(0, 16)])),
    tag,
  };
}
