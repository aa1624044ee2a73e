import compression from 'compression';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { AppDeps } from './context.js';
import { requestContext } from './middleware/request-context.js';
import { authenticate } from './middleware/authenticate.js';
import { sameOrigin } from './middleware/same-origin.js';
import { apiNotFound, errorHandler } from './middleware/error-handler.js';
import { auditRefusals } from './middleware/audit-refusals.js';
import { spa } from './spa.js';
import { setupRouter } from './routes/setup.js';
import { sessionRouter } from './routes/session.js';
import { authRouter } from './routes/auth.js';
import { passkeysRouter } from './routes/passkeys.js';
import { ssoBackchannelRouter, ssoRouter } from './routes/sso.js';
import { passwordResetRouter } from './routes/password-reset.js';
import { invitationsRouter } from './routes/invitations.js';
import { usersRouter } from './routes/users.js';
import { clientsRouter } from './routes/clients.js';
import { adminRouter } from './routes/admin.js';
import { profileRouter } from './routes/profile.js';
import { projectsRouter } from './routes/projects.js';
import { findingsRouter } from './routes/findings.js';
import { evidenceRouter } from './routes/evidence.js';
import { reportsRouter } from './routes/reports.js';
import { portalRouter } from './routes/portal.js';
import { firmRouter } from './routes/firm.js';
import { commentsRouter } from './routes/comments.js';
import { chatRouter } from './routes/chat.js';
import { notificationsRouter } from './routes/notifications.js';
import { remediationRouter } from './routes/remediation.js';
import { auditRouter } from './routes/audit.js';
import { brandAssetsRouter, brandRouter } from './routes/brand.js';
import { FEED_POSITION_HEADER } from './contracts/constants.js';
import { healthRouter } from './routes/health.js';
import { httpMetrics } from './middleware/http-metrics.js';

/**
 * Answers that carry a secret (a TOTP seed, recovery codes) are never compressed: a compressed
 * length next to attacker-chosen input could leak them (BREACH). Everything else compressible is.
 */
const SECRET_ANSWERS = new Set(['/api/auth/mfa/enrol/start', '/api/auth/mfa/enrol/confirm', '/api/profile/recovery-codes']);

/**
 * Build the Express app (no listen: tests and main.ts both use this). Order matters:
 * request id → metrics timer → security headers → compression → /healthz, /readyz, /metrics → /api (no-store, JSON body, session,
 * CSRF, feed position, routes, JSON 404) → the SPA → the one error handler.
 */
export function createApp(deps: AppDeps, clientDir: string, feedPosition: () => number | null = () => null): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('etag', false);

  const { router: spaRouter, scriptHashes } = spa(clientDir);
  const wsOrigin = deps.config.publicUrl.replace(/^http/, 'ws');
  app.use(requestContext(deps.logger));
  app.use(httpMetrics(deps.metrics));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", ...scriptHashes],
          // Svelte and the headless components set style attributes at run time; styles cannot run code.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'", wsOrigin],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
        },
      },
      strictTransportSecurity: deps.config.secureCookies,
      crossOriginEmbedderPolicy: false,
      xFrameOptions: { action: 'deny' },
    }),
  );

  app.use(compression({ filter: (req, res) => !SECRET_ANSWERS.has(req.originalUrl.split('?')[0]!) && compression.filter(req, res) }));

  app.use(healthRouter(deps));
  app.use(ssoBackchannelRouter(deps));

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(express.json({ limit: deps.config.bodyLimitBytes, strict: true }));
  api.use(authenticate(deps));
  api.use(sameOrigin(deps.config.publicUrl));
  // A signed-in read says where the live feed stood when it began: every event at or below it is
  // in the answer; the page's live connection joins the feed there (never later).
  api.use((req, res, next) => {
    const position = req.viewer && req.method === 'GET' ? feedPosition() : null;
    if (position !== null) res.setHeader(FEED_POSITION_HEADER, String(position));
    next();
  });
  api.use(setupRouter(deps));
  api.use(sessionRouter(deps));
  api.use(authRouter(deps));
  api.use(passkeysRouter(deps));
  api.use(ssoRouter(deps));
  api.use(passwordResetRouter(deps));
  api.use(invitationsRouter(deps));
  api.use(usersRouter(deps));
  api.use(clientsRouter(deps));
  api.use(adminRouter(deps));
  api.use(profileRouter(deps));
  api.use(projectsRouter(deps));
  api.use(findingsRouter(deps));
  api.use(evidenceRouter(deps));
  api.use(reportsRouter(deps));
  api.use(portalRouter(deps));
  api.use(firmRouter(deps));
  api.use(commentsRouter(deps));
  api.use(chatRouter(deps));
  api.use(notificationsRouter(deps));
  api.use(remediationRouter(deps));
  api.use(auditRouter(deps));
  api.use(brandRouter(deps));
  api.use(apiNotFound);
  app.use('/api', api);

  app.use(brandAssetsRouter(deps));
  app.use(spaRouter);
  app.use(auditRefusals(deps));
  app.use(errorHandler);
  return app;
}
