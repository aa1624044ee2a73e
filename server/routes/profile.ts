import express, { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../context.js';
import { serve } from './endpoint.js';
import { badRequest, payloadTooLarge } from '../errors.js';
import { requireViewer } from '../middleware/authenticate.js';
import { commandContextOf } from '../middleware/command-context.js';
import { setSessionCookie, unsetSessionCookie } from '../middleware/origin-context.js';
import { unsupportedImage } from '../services/images.js';
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

  serve(r, 'GET /profile', async ({ req }) => ownProfile(commandContextOf(req)));

  serve(r, 'PATCH /profile', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return await updateProfile(deps, ctx, input());
  });

  serve(r, 'POST /profile/password', async ({ req, res, input }) => {
    const ctx = commandContextOf(req);
    const { session, replaced } = await changePassword(deps, ctx, input());
    setSessionCookie(res, deps.config, session);
    // The old session's live connections close once this answer (with the new cookie) has gone out.
    res.on('finish', () => deps.bus.publish('sessions.ended', { sessionIds: [replaced], reason: null }));
  });

  serve(r, 'GET /profile/sessions', async ({ req }) => ownSessions(deps, commandContextOf(req)));

  serve(r, 'DELETE /profile/sessions/:id', async ({ req, res }) => {
    const { current } = await endOwnSession(deps, commandContextOf(req), req.params.id);
    if (current) unsetSessionCookie(res, deps.config);
  });

  serve(r, 'POST /profile/sessions/end-others', async ({ req }) => ({ ended: await endOtherSessions(deps, commandContextOf(req)) }));

  serve(
    r,
    'POST /profile/avatar',
    async ({ req }) => {
      const ctx = commandContextOf(req);
      if (req.body === undefined || (Buffer.isBuffer(req.body) && req.body.length === 0)) throw badRequest('Choose an image to upload.');
      // A JSON or form body was already parsed by the API's JSON reader: it is not an image.
      if (!Buffer.isBuffer(req.body)) throw unsupportedImage();
      return await setAvatar(deps, ctx, req.body);
    },
    signedIn,
    readImage,
  );

  serve(r, 'DELETE /profile/avatar', async ({ req }) => removeAvatar(deps, commandContextOf(req)));

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
    next((err as { type?: string })?.type === 'entity.too.large' ? payloadTooLarge('The image is larger than 5 MB. Choose a smaller one.') : err),
  );
