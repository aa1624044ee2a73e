import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { AppDeps } from '../context.js';
import type { Ack } from '../contracts/realtime.js';
import type { RequestEvent, Requests } from '../contracts/socket.js';
import type { CommandContext } from '../context.js';
import { AppError, badRequest, isRefusal, knownError, unauthenticated } from '../errors.js';
import type { Viewer } from '../auth/session.js';
import { parseInput } from '../validate.js';
import type { AppSocket } from './socket-types.js';
import type { Limiter } from '../auth/rate-limit.js';
import { holdWrites } from './coalesce.js';
import { auditText, deniedEntry } from '../audit-text.js';
import { writeAudit } from '../audit.js';
import type { Turn } from '../services/group-commit.js';

/**
 * The one way a client→server socket event is handled: the payload must be a plain object that
 * passes its strict schema (unknown keys — `__proto__` included — are refused), an optional
 * per-user rate limit applies, the handler runs as a command context, and the answer always goes
 * back through the ack as `{ ok: true, ... }` or `{ ok: false, error }` with the HTTP API's error
 * codes. Nothing a client sends can throw past this wrapper.
 */

/**
 * The viewer each event's handler runs as, by the event's ack (one per event): the guard
 * re-validated the session just before (`guard.ts`). Gone with the ack once answered.
 */
export const runsAs = new WeakMap<object, Viewer>();

/**
 * When each event reached the server (its packet at the guard), by its ack: the event's `socket
 * event` log line (debug level, as HTTP's `request` line at info) counts its time from there.
 */
export const arrivedAt = new WeakMap<object, number>();

/** Each socket's last turn (see `Turn`): the events of one socket queue their writes in the order sent. */
const lastTurn = new WeakMap<AppSocket, Promise<void>>();
function takeTurn(socket: AppSocket): Turn {
  const ready = lastTurn.get(socket) ?? Promise.resolve();
  let done = () => {};
  lastTurn.set(socket, new Promise<void>((r) => (done = r)));
  return { ready, done };
}

/** The command context of a socket event: who (as validated for this event), from where, and its turn. */
function socketContext(socket: AppSocket, viewer: Viewer, turn: Turn): CommandContext {
  const { user } = viewer;
  return {
    viewer,
    turn,
    audit: {
      actorId: user.id,
      actorEmail: user.email,
      clientId: user.client_id,
      ip: socket.data.ip ?? null,
      userAgent: auditText(socket.request.headers['user-agent']),
      actorKind: user.kind,
      requestId: `${socket.id}:${randomUUID().slice(0, 8)}`,
    },
  };
}

/** Turn anything thrown into an error ack (unknown errors are logged, never described). */
export function errorAck(deps: AppDeps, err: unknown, event: string): Ack<never> {
  const known = knownError(err);
  if (known?.status === 503) deps.logger.warn({ err, event }, 'socket event failed: database unavailable');
  if (known?.code === 'storage_full') deps.logger.error({ err, event }, 'socket event failed: storage full');
  if (known) return { ok: false, error: { code: known.code, message: known.message, ...(known.details !== undefined && { details: known.details }) } };
  deps.logger.error({ err, event }, 'socket event failed');
  return { ok: false, error: { code: 'internal_error', message: 'Something went wrong. Please try again.' } };
}

/** What a refused event named (its target, a finding or a client), for the audit row. */
function targetOf(input: unknown): { type: string; id: string } | undefined {
  if (!isPlainObject(input)) return undefined;
  if (isPlainObject(input.target) && typeof input.target.id === 'string') return { type: String(input.target.kind), id: input.target.id };
  if (typeof input.findingId === 'string') return { type: 'finding', id: input.findingId };
  if (typeof input.clientId === 'string') return { type: 'client', id: input.clientId };
  return undefined;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * One client→server event's handling, defined once per server and shared by every socket: the
 * listener is the same function on each (Socket.IO calls it with the socket as `this`), so an open
 * socket holds no closure per event.
 */
export interface EventHandler {
  readonly event: RequestEvent;
  readonly listener: (this: AppSocket, ...args: unknown[]) => void;
}

/**
 * Define how `event` is handled: validated, rate-limited, answered through the ack. The schema's
 * output must be the event's payload and `run` must answer the event's result (`contracts/socket.ts`).
 */
export function handler<E extends RequestEvent, S extends z.ZodType<Requests[E]['input']>>(
  deps: AppDeps,
  event: E,
  schema: S,
  run: (input: z.output<S>, ctx: CommandContext, socket: AppSocket) => Promise<Requests[E]['result']> | Requests[E]['result'],
  limiter?: Limiter,
): EventHandler {
  type R = Requests[E]['result'];
  // Whatever a client sends (any number of arguments, any shape) is judged here.
  async function listener(this: AppSocket, ...args: unknown[]): Promise<void> {
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return; // every event of ours expects an answer; without one there is no one to tell
    const reply = ack as (a: Ack<R>) => void;
    // Taken now, in the order the socket sent its events (the guard keeps it); handed on once this
    // event's write is queued, or when it ends.
    const turn = takeTurn(this);
    let outcome = 'ok';
    try {
      if (args.length !== 2 || !isPlainObject(args[0])) throw badRequest(`The ${event} event expects one object and an acknowledgement.`);
      const viewer = runsAs.get(ack);
      if (!viewer) throw unauthenticated(); // never: the guard validates every event of ours first
      const input = parseInput(schema, args[0]);
      if (limiter) {
        const t = await limiter.take(viewer.user.id);
        if (!t.ok) throw new AppError(429, 'rate_limited', 'You are sending too fast. Please wait a moment.', { retryAfterSeconds: t.retryAfterSeconds });
      }
      const answer = { ok: true, ...(await run(input, socketContext(this, viewer, turn), this)) } as Ack<R>;
      holdWrites(this); // answers that finish together (a group commit's) leave with its pushes, in one write
      reply(answer);
    } catch (err) {
      const viewer = runsAs.get(ack);
      // An access rule's refusal is audited once, here, as HTTP does in its error handler.
      if (viewer && isRefusal(err))
        await writeAudit(deps.db, socketContext(this, viewer, turn).audit, deniedEntry(err, event, targetOf(args[0])), deps.clock()).catch(() => undefined);
      const refused = errorAck(deps, err, event);
      outcome = refused.error.code;
      reply(refused);
    } finally {
      turn.done();
      logEvent(deps, event, ack, outcome, this);
    }
  }
  return { event, listener };
}

/**
 * One debug line per answered event, as HTTP logs each request: its name, outcome, who and the
 * milliseconds from its arrival to its answer (the bench reads these as the server's time). Never
 * the payload. Off at the default level, where it costs one check.
 */
function logEvent(deps: AppDeps, event: string, ack: object, outcome: string, socket: AppSocket): void {
  if (!deps.logger.isLevelEnabled('debug')) return;
  const at = arrivedAt.get(ack);
  const ms = at === undefined ? null : Math.round((performance.now() - at) * 10) / 10;
  deps.logger.debug({ event, outcome, ms, userId: socket.data.viewer.user.id }, 'socket event');
}

/** Listen to these events on a socket: the same functions on every socket, nothing made per socket. */
export function attach(socket: AppSocket, handlers: readonly EventHandler[]): void {
  // Registered untyped on purpose: the listener judges what arrives.
  for (const h of handlers) (socket as unknown as { on(e: string, fn: EventHandler['listener']): void }).on(h.event, h.listener);
}
