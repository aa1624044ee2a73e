import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ClientRow, EvidenceRow, FindingRow, ProjectRow, ReportRow, UserRow } from '../../db/schema.js';
import { createSession } from '../../server/auth/session.js';
import { hashSecretHex, randomToken } from '../../server/auth/tokens.js';
import { newTotpSecret, sealTotpSecret } from '../../server/auth/totp.js';
import { insertReset, newResetToken } from '../../server/auth/password-reset.js';
import type { TestApp } from './app.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff } from './factories.js';
import { buildFinding, buildProject } from './workspace.js';
import { tinyPdf } from './evidence.js';

/**
 * The world the authorization matrix acts on: two clients (A and B) with the same set of
 * people and data each, the firm's staff, and the secrets (invitation and reset links, a TOTP
 * secret) that the public routes need. Rows are inserted directly (cheap enough to build a
 * fresh world for every state-changing request); files are written under the app's uploads
 * folder with names of the form the server itself makes, so downloads and redactions work.
 */

/** One TOTP secret for every account in every world: its code is the same for all of them. */
export const MATRIX_TOTP_SECRET = newTotpSecret();
/** The password an invitation or reset sets (no firm, client or email words in it). */
export const NEW_PASSWORD = 'a quite different passphrase 93';

export interface ClientWorld {
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

export interface World {
  A: ClientWorld;
  B: ClientWorld;
  staff: { analyst: UserRow; admin: UserRow; member: UserRow; invitee: UserRow };
  /** Per user id: the public id of a second, idle session of theirs (for DELETE /profile/sessions/:id). */
  spareSessions: Map<string, string>;
  /** A short unique word, for emails and names that must not collide between worlds. */
  tag: string;
}

let png: Promise<Buffer> | undefined;
/** An 8×8 noisy PNG (made once): evidence originals, client copies and thumbnails, uploads. */
export const matrixPng = (): Promise<Buffer> =>
  (png ??= sharp(Buffer.from(Array.from({ length: 8 * 8 * 3 }, (_, i) => 40 + ((i * 97) % 200))), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer());
let webp: Promise<Buffer> | undefined;
const smallWebp = () => (webp ??= sharp({ create: { width: 4, height: 4, channels: 3, background: '#4a7' } }).webp().toBuffer());
const pdf = tinyPdf('Matrix report');

/** Write bytes under a server-style stored name (`<folder>/<32 hex>.<ext>`), without the fsync of the real store. */
async function writeStored(app: TestApp, folder: 'avatars' | 'evidence' | 'reports', ext: string, bytes: Buffer): Promise<string> {
  const name = `${folder}/${randomBytes(16).toString('hex')}.${ext}`;
  await mkdir(path.join(app.config.uploadsDir, folder), { recursive: true });
  await writeFile(path.join(app.config.uploadsDir, name), bytes);
  return name;
}

/** An enrolled authenticator (and a pending re-enrolment) with the shared secret, sealed for this user. */
async function withTotp(app: TestApp, user: UserRow): Promise<UserRow> {
  const set = {
    totp_secret_enc: sealTotpSecret(app.config, user.id, MATRIX_TOTP_SECRET),
    totp_pending_enc: sealTotpSecret(app.config, user.id, MATRIX_TOTP_SECRET),
    totp_last_step: null,
  };
  await app.db.updateTable('users').set(set).where('id', '=', user.id).execute();
  return { ...user, ...set };
}

/** A valid invitation link for an invited user (inserted as createInvitation stores it: only the hash). */
async function invite(app: TestApp, user: UserRow): Promise<string> {
  const token = randomToken(20);
  const now = app.clock();
  await app.db
    .insertInto('invitations')
    .values({ id: randomUUID(), token_hash: hashSecretHex(token), user_id: user.id, email: user.email, client_id: user.client_id, invited_by: null, created_at: now, expires_at: now + app.config.inviteTtlMs, used_at: null, voided_at: null })
    .execute();
  return token;
}

async function buildClientWorld(app: TestApp, label: string, tag: string): Promise<ClientWorld> {
  const db = app.db;
  const client = await buildClient(db, { name: `Client ${label} ${tag}` });
  const person = async (role: 'viewer' | 'collaborator' | 'manager', name: string) =>
    withTotp(app, await buildPortalUser(db, { client_id: client.id, role, name, email: `${name.toLowerCase().replace(/\W+/g, '.')}.${tag}@client-${label.toLowerCase()}.test` }));
  const viewer = await person('viewer', `Viewer ${label}`);
  const collaborator = await person('collaborator', `Collaborator ${label}`);
  const manager = await person('manager', `Manager ${label}`);
  const avatar = await writeStored(app, 'avatars', 'webp', await smallWebp());
  const member = await buildPortalUser(db, { client_id: client.id, role: 'viewer', name: `Member ${label}`, email: `member.${tag}@client-${label.toLowerCase()}.test`, avatar_file: avatar });
  const invitee = await buildPortalUser(db, { client_id: client.id, role: 'viewer', name: `Invitee ${label}`, email: `invitee.${tag}@client-${label.toLowerCase()}.test`, status: 'invited', password_hash: null });
  const inviteToken = await invite(app, invitee);
  const reset = newResetToken();
  await insertReset(db, member.id, reset.tokenHash, app.clock());

  const project = await buildProject(db, { client_id: client.id, name: `Project ${label}` });
  const finding = await buildFinding(db, { project_id: project.id, title: `Finding ${label}`, published: true, internal_notes: 'internal' });
  const draft = await buildFinding(db, { project_id: project.id, title: `Draft ${label}` });

  const image = await matrixPng();
  const evidenceId = randomUUID();
  await db
    .insertInto('evidence')
    .values({
      id: evidenceId, finding_id: finding.id, client_id: client.id, kind: 'image', original_name: 'screenshot.png', mime: 'image/png', size: image.length, width: 8, height: 8,
      original_file: await writeStored(app, 'evidence', 'png', image), client_file: await writeStored(app, 'evidence', 'png', image),
      client_thumb_file: await writeStored(app, 'evidence', 'png', image), shared: 1, caption: 'shared', created_by: null, created_at: Date.now(),
    })
    .execute();
  const evidence = await db.selectFrom('evidence').selectAll().where('id', '=', evidenceId).executeTakeFirstOrThrow();

  const reportId = randomUUID();
  const now = Date.now();
  await db
    .insertInto('reports')
    .values({
      id: reportId, project_id: project.id, client_id: client.id, title: `Report ${label}`, version: 1, file: await writeStored(app, 'reports', 'pdf', pdf),
      original_name: 'report.pdf', size: pdf.length, sha256: createHash('sha256').update(pdf).digest('hex'), published: 1, published_at: now, created_by: null, created_at: now,
    })
    .execute();
  const report = await db.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirstOrThrow();
  return { client, viewer, collaborator, manager, member, invitee, inviteToken, resetToken: reset.token, project, finding, draft, evidence, report };
}

let worlds = 0;

/** A fresh world (new clients, people, data and links; the firm row is shared). */
export async function buildWorld(app: TestApp): Promise<World> {
  const tag = `w${++worlds}x${Date.now().toString(36)}`;
  await buildFirm(app.db);
  const A = await buildClientWorld(app, 'A', tag);
  const B = await buildClientWorld(app, 'B', tag);
  const staff = {
    analyst: await withTotp(app, await buildStaff(app.db, { role: 'analyst', name: 'Ana Analyst', email: `analyst.${tag}@acme.test` })),
    admin: await withTotp(app, await buildStaff(app.db, { role: 'admin', name: 'Ada Admin', email: `admin.${tag}@acme.test` })),
    member: await buildStaff(app.db, { role: 'analyst', name: 'Sam Member', email: `member.${tag}@acme.test` }),
    invitee: await buildStaff(app.db, { role: 'analyst', name: 'Ivy Invitee', email: `invitee.${tag}@acme.test`, status: 'invited', password_hash: null }),
  };
  await invite(app, staff.invitee);
  const spareSessions = new Map<string, string>();
  for (const u of [A.viewer, A.collaborator, A.manager, B.manager, staff.analyst, staff.admin]) {
    const { session } = await createSession(app.db, { userId: u.id, mfaVerified: true, ip: '127.0.0.1', userAgent: 'spare' }, app.clock(), {
      idleMs: app.config.sessionIdleMs,
      absoluteMs: app.config.sessionAbsoluteMs,
    });
    // The id the sessions page shows (profile.ts: a digest of the real id, which never leaves the server).
    spareSessions.set(u.id, hashSecretHex(session.id).slice(0, 16));
  }
  return { A, B, staff, spareSessions, tag };
}
