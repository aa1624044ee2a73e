import { createServer, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { AppServer } from './realtime/socket-types.js';
import type { AppDeps } from './context.js';
import { createApp } from './app.js';
import { createRealtime } from './realtime/io.js';
import { sweepExpiredSessions } from './auth/revoke.js';
import { recheckSessions } from './repositories/sessions.js';
import { pruneEvents } from './events/log.js';
import { prunePendingAttachments } from './commands/attachments/prune-pending.js';
import { registerNotifications } from './events/handlers/notifications.js';
import { sendDueDigests } from './events/handlers/notification-digest.js';
import { FEED_POLL_MS, listenForAppends } from './cluster/feed-listener.js';
import { auditHousekeeping } from './audit/checkpoints.js';
import { auditSigningKey } from './audit/signing-key.js';

export interface RunningServer {
  http: HttpServer;
  io: AppServer;
  /** Push every committed event and finish queued writes (tests use it to wait for delivery). */
  drain(): Promise<void>;
  /** Queue the notification mails that are due now (tests; the server does it every 15 seconds). */
  sendDueDigests(): Promise<number>;
  /** Prune the event log now (tests; the server does it every minute). */
  pruneEvents(): Promise<unknown>;
  url: string;
  /** Stop accepting, end live sockets, let in-flight requests finish (bounded by graceMs). */
  close(graceMs: number): Promise<void>;
}

/** One HTTP server carrying the SPA, the API and Socket.IO; listens on config.port/host. */
export async function startServer(deps: AppDeps, clientDir: string): Promise<RunningServer> {
  const app = createApp(deps, clientDir, () => realtime.feedPosition());
  const http = createServer(app);
  const realtime = createRealtime(http, deps);
  const io = realtime.io;
  const notifications = registerNotifications(io, deps);
  // Live sockets by audience, counted when /metrics is scraped (this instance's sockets only).
  deps.metrics.countSockets(() => {
    const n = { staff: 0, portal: 0 };
    for (const s of io.of('/').sockets.values()) n[s.data.viewer?.user.kind === 'portal' ? 'portal' : 'staff']++;
    return n;
  });

  // Track connections so shutdown can close idle keep-alive ones and bound the busy ones.
  const sockets = new Map<Socket, { busy: number }>();
  http.on('connection', (s) => {
    sockets.set(s, { busy: 0 });
    s.on('close', () => sockets.delete(s));
  });
  http.on('request', (req, res) => {
    const state = sockets.get(req.socket);
    if (!state) return;
    state.busy++;
    res.on('finish', () => {
      state.busy--;
      if (closing && state.busy === 0) req.socket.destroySoon?.() ?? req.socket.end();
    });
  });
  let closing = false;

  // Expired sessions end (and their sockets close) within about a second, even without a request.
  // The configured default timeouts may have changed since the last run: every session is looked at once.
  await recheckSessions(deps.db);
  const sweeper = setInterval(() => {
    sweepExpiredSessions(deps, deps.clock()).catch((err) => deps.logger.error({ err }, 'session sweep failed'));
  }, 1000);
  sweeper.unref();
  // The event log keeps EVENT_RETENTION_HOURS for catch-up; older cursors are told to resync.
  // Uploads that no message or round attached within a day are removed.
  const prune = () =>
    Promise.all([pruneEvents(deps.db, deps.clock() - deps.config.eventRetentionMs), prunePendingAttachments(deps, deps.clock())]).catch((err) =>
      deps.logger.error({ err }, 'prune failed'),
    );
  const pruner = setInterval(prune, 60_000);
  pruner.unref();
  // The audit trail: a signed checkpoint of its head every hour, after pruning what passed the
  // firm's retention (the prune signs its cut first). The first round a minute after start. The
  // key is read (or created) now: an unusable one stops start-up rather than the first checkpoint.
  auditSigningKey(deps.config, deps.logger);
  const auditRound = () => auditHousekeeping(deps, deps.clock()).catch((err) => deps.logger.error({ err }, 'audit checkpoint or prune failed'));
  const auditTimers = [setTimeout(auditRound, 60_000), setInterval(auditRound, 3_600_000)];
  auditTimers.forEach((t) => t.unref());

  // Notification mails wait in the database (`mail_digests`); whichever instance claims one sends it.
  const digests = () => sendDueDigests(deps).catch((err) => deps.logger.error({ err }, 'notification digest round failed'));
  const digestTimer = setInterval(digests, 15_000);
  digestTimer.unref();

  // Several instances: other instances' commits wake this feed through PostgreSQL (LISTEN/NOTIFY),
  // with a poll beside it; sockets whose session ended elsewhere are closed within a second even
  // with Redis away (the database is asked, not Redis).
  const cluster =
    deps.redis && deps.config.database.kind === 'postgres'
      ? {
          listener: listenForAppends(deps.config.database.url, deps.logger, realtime.pump),
          timers: [
            setInterval(realtime.pump, FEED_POLL_MS),
            setInterval(() => void realtime.liveness?.().catch((err) => deps.logger.warn({ err: String(err) }, 'session check failed')), 1000),
          ],
        }
      : null;
  cluster?.timers.forEach((t) => t.unref());

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(deps.config.port, deps.config.host, () => resolve());
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : deps.config.port;
  const host = deps.config.host === '0.0.0.0' || deps.config.host === '::' ? 'localhost' : deps.config.host;

  return {
    http,
    io,
    drain: async () => {
      await deps.writes.drain();
      await deps.bus.idle();
      await realtime.drain();
      await deps.bus.idle();
    },
    pruneEvents: prune,
    sendDueDigests: () => sendDueDigests(deps),
    url: `http://${host}:${port}`,
    async close(graceMs) {
      closing = true;
      clearInterval(sweeper);
      clearInterval(pruner);
      clearInterval(digestTimer);
      auditTimers.forEach(clearTimeout);
      cluster?.timers.forEach(clearInterval);
      await cluster?.listener.stop();
      await deps.writes.drain();
      notifications.stop();
      // io.close() ends every live socket and closes the HTTP server (no new connections).
      const done = new Promise<void>((resolve) => void io.close(() => resolve()));
      for (const [s, st] of sockets) if (st.busy === 0) s.end();
      const timer = setTimeout(() => {
        for (const s of sockets.keys()) s.destroy();
      }, graceMs);
      await done;
      clearTimeout(timer);
      await realtime.closeAdapter();
    },
  };
}
