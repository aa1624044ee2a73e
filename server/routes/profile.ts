import express, { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../context.js';
import { badRequest, payloadTooLarge } from '../errors.js';
import { parseInput } from '../validate.js';
import { requireViewer } from '../middleware/authenticate.js';
import { commandContextOf } from '../middleware/command-context.js';
import { setSessionCookie, unsetSessionCookie } from '../middleware/origin-context.js';
import { unsupportedImage } from '../services/images.js';
import { PasswordChangeInput, ProfileUpdateInput } from '../contracts/profile.js';
import { updateProfile } from '../commands/account/update-profile.js';
import { changePassword } from '../commands/account/change-password.js';
import { endOwnSession } from '../commands/account/end-own-session.js';
import { endOtherSessions } from '../commands/account/end-other-sessions.js';
import { setAvatar } from '../commands/account/set-avatar.js';
import { removeAvatar } from '../commands/account/remove-avatar.js';
import { avatarImage, ownProfile, ownSessions } from '../queries/account.js';

/** The largest avatar upload we read (the processed file is a few KB). */
const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

/**
 * The signed-in person's own account: profile, password change, sessions, avatar; and the
 * avatar images themselves, served only to people allowed to see that person.
 */
export function profileRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/profile', async (req, res) => {
    res.json(ownProfile(commandContextOf(req)));
  });

  r.patch('/profile', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json(await updateProfile(deps, ctx, parseInput(ProfileUpdateInput, req.body)));
  });

  r.post('/profile/password', async (req, res) => {
    const ctx = commandContextOf(req);
    const { session, replaced } = await changePassword(deps, ctx, parseInput(PasswordChangeInput, req.body));
    setSessionCookie(res, deps.config, session);
    // The old session's live connections close once this answer (with the new cookie) has gone out.
    res.on('finish', () => deps.bus.publish('sessions.ended', { sessionIds: [replaced], reason: 'rotated' }));
    res.status(204).end();
  });

  r.get('/profile/sessions', async (req, res) => {
    res.json(await ownSessions(deps, commandContextOf(req)));
  });

  r.delete('/profile/sessions/:id', async (req, res) => {
    const { current } = await endOwnSession(deps, commandContextOf(req), req.params.id);
    if (current) unsetSessionCookie(res, deps.config);
    res.status(204).end();
  });

  r.post('/profile/sessions/end-others', async (req, res) => {
    res.json({ ended: await endOtherSessions(deps, commandContextOf(req)) });
  });

  r.post('/profile/avatar', signedIn, readImage, async (req, res) => {
    const ctx = commandContextOf(req);
    if (req.body === undefined || (Buffer.isBuffer(req.body) && req.body.length === 0)) throw badRequest('Choose an image to upload.');
    // A JSON or form body was already parsed by the API's JSON reader: it is not an image.
    if (!Buffer.isBuffer(req.body)) throw unsupportedImage();
    res.json(await setAvatar(deps, ctx, req.body));
  });

  r.delete('/profile/avatar', async (req, res) => {
    res.json(await removeAvatar(deps, commandContextOf(req)));
  });

  r.get('/users/:id/avatar', async (req, res) => {
    const bytes = await avatarImage(deps, commandContextOf(req), req.params.id);
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
  rawImage(req, res, (err?: unknown) =>
    next((err as { type?: string })?.type === 'entity.too.large' ? payloadTooLarge('The image is larger than 5 MB.') : err),
  );
