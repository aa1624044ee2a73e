import type { Db } from '../db/client.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Viewer } from './auth/session.js';
import type { AuditContext } from './audit.js';
import { auditText } from './audit-text.js';
import type { Bus } from './events/bus.js';
import type { Mailer } from './services/mailer.js';
import type { Turn, WriteQueue } from './services/group-commit.js';
import type { Redis } from './cluster/redis.js';
import type { Metrics } from './metrics.js';

/** What the app is built from. Tests pass their own clock, log destination and database. */
export interface AppDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Milliseconds since the epoch; injectable so expiry can be tested without waiting. */
  clock: () => number;
  setup: SetupGate;
  bus: Bus;
  mailer: Mailer;
  /** Group commit for high-rate writes (chat messages, comments): acknowledged only once durable. */
  writes: WriteQueue;
  /** Several-instances mode (REDIS_URL): the shared Redis connection; null on a single instance. */
  redis: Redis | null;
  /** This instance's Prometheus metrics (server/metrics.ts), served at /metrics. */
  metrics: Metrics;
}

/** The one-time first-run code, one for the whole cluster (server/auth/setup.ts). */
export interface SetupGate {
  /** Whether setup is still open (no staff account yet, on any instance). */
  isOpen(): Promise<boolean>;
  /** Compare a presented code in constant time with the cluster's code (SETUP_CODE, or the stored one). */
  codeMatches(code: string): Promise<boolean>;
  /** Inside the transaction that creates the first admin: void the code on every instance; false when it is no longer the code (used meanwhile). */
  consume(trx: Db, code: string): Promise<boolean>;
  /** At shutdown, before the database closes: let go of a code this instance issued (the next start issues a fresh one). */
  stop(): Promise<void>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
      viewer: Viewer | null;
      /** Set when the session is valid but may not be used from here (see auth/access.ts). */
      accessProblem?: import('./auth/access.js').AccessProblem;
      /** Set when the cookie's session was ended for a reason (the 401 names it). */
      signOutReason?: import('./contracts/sign-out.js').SignOutReason;
    }
  }
}

/** The audit context of an HTTP request: who, and from where. */
export function auditContextOf(req: import('express').Request): AuditContext {
  return {
    actorId: req.viewer?.user.id ?? null,
    actorEmail: req.viewer?.user.email ?? null,
    clientId: req.viewer?.user.client_id ?? null,
    ip: req.ip ?? null,
    userAgent: auditText(req.get('user-agent')),
    actorKind: req.viewer ? req.viewer.user.kind : 'anonymous',
    requestId: req.id,
  };
}

/** What every command and query is given: who acts and from where. Transport-agnostic (HTTP or socket). */
export interface CommandContext {
  viewer: Viewer;
  audit: AuditContext;
  /** A socket event's place in its socket's order (writes queue in it: `inTurn`); none over HTTP. */
  turn?: Turn;
}

/** Audit rows about a client's people carry that client, whoever (staff or Manager) acted. */
export function auditFor(ctx: CommandContext, clientId: string | null): AuditContext {
  return clientId ? { ...ctx.audit, clientId } : ctx.audit;
}
