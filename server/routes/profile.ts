import { reaches } from '../policies/access.js';
import express, { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../context.js';
import { deferredBus } from '../events/bus.js';
import { auditContextOf } from '../context.js';
import type { SessionRow, UserRow } from '../../db/schema.js';
import { writeAudit } from '../audit.js';
import { badRequest, notFound, payloadTooLarge, rateLimited, validationFailed } from '../errors.js';
import { parseInput } from '../validate.js';
import { requireViewer } from '../middleware/authenticate.js';
import { hashPassword, passwordProblem, verifyDummyPassword, verifyPassword } from '../auth/password.js';
import { throttleFailure, throttleReset, throttleWait } from '../auth/rate-limit.js';
import { endUserSessions } from '../auth/revoke.js';
import { deleteSession } from '../auth/session.js';
import { startSession } from '../auth/sign-in.js';
import { clearSessionCookie } from '../auth/cookie.js';
import { hashSecretHex } from '../auth/tokens.js';
import { passwordChangedMail, voidResets } from '../auth/password-reset.js';
import { queueMail } from '../services/mailer.js';
import { processAvatar, unsupportedImage } from '../services/images.js';
import { deleteStoredFile, readStoredFile, storeFile } from '../services/storage.js';
import { notifyPrefsFrom, PasswordChangeInput, ProfileUpdateInput, type ProfileDTO, type SessionInfoDTO } from '../contracts/profile.js';

/** The largest avatar upload we read (the processed file is a few KB). */
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

/**
 * The signed-in person's own account: profile, password change, sessions, avatar; and the
 * avatar images themselves, served only to people allowed to see that person.
 */
export function profileRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/profile', async (req, res) => {
    const v = requireViewer(req);
    res.json(presentProfile(v.user));
  });

  r.patch('/profile', async (req, res) => {
    const v = requireViewer(req);
    const input = parseInput(ProfileUpdateInput, req.body);
    const now = deps.clock();
    const user = await deps.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('users').selectAll().where('id', '=', v.user.id).executeTakeFirstOrThrow();
      const prefs = input.notifyPrefs ? { ...notifyPrefsFrom(current.notify_prefs), ...input.notifyPrefs } : undefined;
      await trx
        .updateTable('users')
        .set({ ...(input.name !== undefined && { name: input.name }), ...(prefs && { notify_prefs: JSON.stringify(prefs) }), updated_at: now })
        .where('id', '=', v.user.id)
        .execute();
      await writeAudit(trx, auditContextOf(req), { action: 'profile.updated', outcome: 'success', targetType: 'user', targetId: v.user.id, details: { fields: Object.keys(input) } }, now);
      return trx.selectFrom('users').selectAll().where('id', '=', v.user.id).executeTakeFirstOrThrow();
    });
    res.json(presentProfile(user));
  });

  r.post('/profile/password', async (req, res) => {
    const v = requireViewer(req);
    const input = parseInput(PasswordChangeInput, req.body);
    const key = `password:${v.user.id}`;
    // Throttled per account, so a stolen session cannot guess the current password quickly.
    const wait = await throttleWait(deps.db, key, deps.clock());
    if (wait > 0) throw rateLimited(wait);
    const ok = v.user.password_hash ? await verifyPassword(v.user.password_hash, input.currentPassword) : await verifyDummyPassword(input.currentPassword);
    if (!ok) {
      await throttleFailure(deps.db, key, deps.clock());
      await writeAudit(deps.db, auditContextOf(req), { action: 'password.changed', outcome: 'failure', targetType: 'user', targetId: v.user.id, details: { reason: 'wrong_current_password' } }, deps.clock());
      const message = 'The current password is not correct.';
      throw validationFailed(`currentPassword: ${message}`, [{ path: 'currentPassword', message }]);
    }
    await throttleReset(deps.db, key);
    const problem = passwordProblem(input.newPassword);
    if (problem) throw validationFailed(`newPassword: ${problem}`, [{ path: 'newPassword', message: problem }]);
    const passwordHash = await hashPassword(input.newPassword);

    const now = deps.clock();
    const deferred = deferredBus(deps.bus);
    await deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', v.user.id).execute();
      await endUserSessions({ db: trx, bus: deferred.bus }, v.user.id, 'password_changed', v.session.id);
      await voidResets(trx, v.user.id, now);
      await queueMail(trx, passwordChangedMail(deps.config.publicUrl, v.user.email), now, !!deps.config.smtpUrl);
      await writeAudit(trx, auditContextOf(req), { action: 'password.changed', outcome: 'success', targetType: 'user', targetId: v.user.id }, now);
    });
    deferred.flush();
    deps.bus.publish('mail.queued', {});
    // A privilege-relevant change: this browser gets a fresh token and the old one stops working.
    await startSession(deps, req, res, v.user, v.session.mfa_verified === 1);
    await deleteSession(deps.db, v.session.id);
    deps.bus.publish('sessions.ended', { sessionIds: [v.session.id], reason: 'rotated' });
    res.status(204).end();
  });

  r.get('/profile/sessions', async (req, res) => {
    const v = requireViewer(req);
    const rows = await deps.db.selectFrom('sessions').selectAll().where('user_id', '=', v.user.id).where('expires_at', '>', deps.clock()).orderBy('last_active_at', 'desc').execute();
    // This browser first, then the most recently active.
    const list: SessionInfoDTO[] = rows.map((s) => presentSession(s, v.session.id)).sort((a, b) => Number(b.current) - Number(a.current));
    res.json(list);
  });

  r.delete('/profile/sessions/:id', async (req, res) => {
    const v = requireViewer(req);
    const rows = await deps.db.selectFrom('sessions').select('id').where('user_id', '=', v.user.id).execute();
    // Looked up among this person's own sessions only: anyone else's id is simply not found.
    const target = rows.find((s) => publicSessionId(s.id) === req.params.id);
    if (!target) throw notFound('That session has already ended.');
    await deps.db.transaction().execute(async (trx) => {
      await deleteSession(trx, target.id);
      await writeAudit(trx, auditContextOf(req), { action: 'session.ended', outcome: 'success', targetType: 'session', targetId: req.params.id, details: { scope: 'one' } }, deps.clock());
    });
    deps.bus.publish('sessions.ended', { sessionIds: [target.id], reason: 'ended_by_user' });
    if (target.id === v.session.id) res.append('Set-Cookie', clearSessionCookie(deps.config.secureCookies));
    res.status(204).end();
  });

  r.post('/profile/sessions/end-others', async (req, res) => {
    const v = requireViewer(req);
    const deferred = deferredBus(deps.bus);
    const ended = await deps.db.transaction().execute(async (trx) => {
      const ids = await endUserSessions({ db: trx, bus: deferred.bus }, v.user.id, 'ended_by_user', v.session.id);
      await writeAudit(trx, auditContextOf(req), { action: 'session.ended', outcome: 'success', targetType: 'user', targetId: v.user.id, details: { scope: 'others', count: ids.length } }, deps.clock());
      return ids.length;
    });
    deferred.flush();
    res.json({ ended });
  });

  r.post('/profile/avatar', signedIn, readImage, async (req, res) => {
    const v = requireViewer(req);
    if (req.body === undefined || (Buffer.isBuffer(req.body) && req.body.length === 0)) throw badRequest('Choose an image to upload.');
    // A JSON or form body was already parsed by the API's JSON reader: it is not an image.
    if (!Buffer.isBuffer(req.body)) throw unsupportedImage();
    // sharp and the file write happen before (never inside) the transaction.
    const webp = await processAvatar(req.body);
    const stored = await storeFile(deps.config.uploadsDir, 'avatars', 'webp', webp);
    let previous: string | null;
    try {
      previous = await deps.db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('users').select('avatar_file').where('id', '=', v.user.id).executeTakeFirstOrThrow();
        await trx.updateTable('users').set({ avatar_file: stored, updated_at: deps.clock() }).where('id', '=', v.user.id).execute();
        await writeAudit(trx, auditContextOf(req), { action: 'profile.avatar_changed', outcome: 'success', targetType: 'user', targetId: v.user.id, details: { change: 'uploaded' } }, deps.clock());
        return row.avatar_file;
      });
    } catch (err) {
      await deleteStoredFile(deps.config.uploadsDir, stored);
      throw err;
    }
    await deleteStoredFile(deps.config.uploadsDir, previous);
    res.json(presentProfile({ ...v.user, avatar_file: stored }));
  });

  r.delete('/profile/avatar', async (req, res) => {
    const v = requireViewer(req);
    const previous = await deps.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('users').select('avatar_file').where('id', '=', v.user.id).executeTakeFirstOrThrow();
      if (!row.avatar_file) return null;
      await trx.updateTable('users').set({ avatar_file: null, updated_at: deps.clock() }).where('id', '=', v.user.id).execute();
      await writeAudit(trx, auditContextOf(req), { action: 'profile.avatar_changed', outcome: 'success', targetType: 'user', targetId: v.user.id, details: { change: 'removed' } }, deps.clock());
      return row.avatar_file;
    });
    await deleteStoredFile(deps.config.uploadsDir, previous);
    res.json(presentProfile({ ...v.user, avatar_file: null }));
  });

  r.get('/users/:id/avatar', async (req, res) => {
    const v = requireViewer(req);
    const target = await deps.db.selectFrom('users').select(['kind', 'client_id', 'avatar_file']).where('id', '=', req.params.id).executeTakeFirst();
    // Everyone sees staff; a client's people are seen by those who reach that client (its own
    // people, staff in whose scope it is). Else: not found.
    const visible = !!target && (target.kind === 'staff' || (!!target.client_id && reaches(v.user, target.client_id)));
    const bytes = visible && target.avatar_file ? await readStoredFile(deps.config.uploadsDir, target.avatar_file) : null;
    if (!bytes) throw notFound();
    res.set({
      'Content-Type': 'image/webp',
      'Content-Disposition': 'inline; filename="avatar.webp"',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      // Private: a shared cache must never hold it. The URL changes with the image (?v=).
      'Cache-Control': 'private, max-age=300',
    });
    res.send(bytes);
  });

  return r;
}

/** Refuse anonymous uploads before reading a byte of the body. */
const signedIn: RequestHandler = (req, _res, next) => {
  requireViewer(req);
  next();
};

const rawImage = express.raw({ type: () => true, limit: AVATAR_MAX_BYTES });
/** Read the raw image body (this route only), with a clear 413 over the limit. */
const readImage: RequestHandler = (req, res, next) =>
  rawImage(req, res, (err?: unknown) => next((err as { type?: string })?.type === 'entity.too.large' ? payloadTooLarge('The image is larger than 5 MB.') : err));

/** The person's own profile (never a hash, secret or file path). */
function presentProfile(u: UserRow): ProfileDTO {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    kind: u.kind,
    role: u.role,
    avatarUrl: u.avatar_file ? `/api/users/${u.id}/avatar?v=${hashSecretHex(u.avatar_file).slice(0, 12)}` : null,
    notifyPrefs: notifyPrefsFrom(u.notify_prefs),
  };
}

/**
 * The id a browser sees for a session. The real id is half of the cookie token, so it never
 * leaves the server; this is a one-way digest of it, stable for the session's life.
 */
function publicSessionId(sessionId: string): string {
  return hashSecretHex(sessionId).slice(0, 16);
}

function presentSession(s: SessionRow, currentId: string): SessionInfoDTO {
  return {
    id: publicSessionId(s.id),
    current: s.id === currentId,
    createdAt: s.created_at,
    lastActiveAt: s.last_active_at,
    ip: s.ip,
    userAgent: s.user_agent,
    device: deviceLabel(s.user_agent),
  };
}

/** "Firefox on Windows" from a user agent: a hint for people, never used for any decision. */
export function deviceLabel(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = [['Edge', /Edg(e|A|iOS)?\//], ['Opera', /OPR\//], ['Firefox', /Firefox\/|FxiOS/], ['Chrome', /Chrom(e|ium)\/|CriOS/], ['Safari', /Safari\//]] as const;
  const os = [['iOS', /iPhone|iPad|iPod/], ['Android', /Android/], ['Windows', /Windows/], ['macOS', /Macintosh|Mac OS X/], ['ChromeOS', /CrOS/], ['Linux', /Linux/]] as const;
  const b = browser.find(([, re]) => re.test(ua))?.[0];
  const o = os.find(([, re]) => re.test(ua))?.[0];
  if (b && o) return `${b} on ${o}`;
  return b ?? o ?? (ua.length > 40 ? `${ua.slice(0, 40)}…` : ua);
}
