import type { z } from 'zod';
import type { AppDeps } from '../context.js';
import type { Ack } from '../contracts/realtime.js';
import type { RequestEvent, Requests } from '../contracts/socket.js';
import type { CommandContext } from '../context.js';
import { AppError, badRequest } from '../errors.js';
import { parseInput } from '../validate.js';
import type { AppSocket } from './socket-types.js';
import { holdWrites } from './coalesce.js';

/**
 * The one way a client→server socket event is handled: the payload must be a plain object that
 * passes its strict schema (unknown keys — `__proto__` included — are refused), an optional
 * per-user rate limit applies, the handler runs as a command context, and the answer always goes
 * back through the ack as `{ ok: true, ... }` or `{ ok: false, error }` with the HTTP API's error
 * codes. Nothing a client sends can throw past this wrapper.
 */

export interface Limiter {
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number };
}

/** The command context of a socket: who (from the handshake) and from where. */
function socketContext(socket: AppSocket): CommandContext {
  const { user } = socket.data.viewer;
  return {
    viewer: socket.data.viewer,
    audit: {
      actorId: user.id,
      actorEmail: user.email,
      clientId: user.client_id,
      ip: socket.data.ip ?? null,
      userAgent: socket.request.headers['user-agent'] ?? null,
    },
  };
}

/** Turn anything thrown into an error ack (unknown errors are logged, never described). */
export function errorAck(deps: AppDeps, err: unknown, event: string): Ack<never> {
  if (err instanceof AppError)
    return { ok: false, error: { code: err.code, message: err.message, ...(err.details !== undefined && { details: err.details }) } };
  deps.logger.error({ err, event }, 'socket event failed');
  return { ok: false, error: { code: 'internal_error', message: 'Something went wrong. Please try again.' } };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const registered = new WeakMap<AppSocket, ReadonlySet<string>>();
/** Every socket registers the same events: they share one set of names instead of a set each. */
const interned = new Map<string, ReadonlySet<string>>();
const NONE: ReadonlySet<string> = new Set();

/** The events registered on this socket through `handle` (the guard refuses every other name). */
export function handledEvents(socket: AppSocket): ReadonlySet<string> {
  return registered.get(socket) ?? NONE;
}

/** Add `event` to the socket's registered names (a shared, never-modified set). */
function register(socket: AppSocket, event: string): void {
  const names = [...handledEvents(socket), event];
  const key = names.join('\n');
  let set = interned.get(key);
  if (!set) interned.set(key, (set = new Set(names)));
  registered.set(socket, set);
}

/**
 * Register `event` on `socket`: validated, rate-limited, answered through the ack. The schema's
 * output must be the event's payload and `run` must answer the event's result (`contracts/socket.ts`).
 */
export function handle<E extends RequestEvent, S extends z.ZodType<Requests[E]['input']>>(
  deps: AppDeps,
  socket: AppSocket,
  event: E,
  schema: S,
  run: (input: z.output<S>, ctx: CommandContext) => Promise<Requests[E]['result']> | Requests[E]['result'],
  limiter?: Limiter,
): void {
  type R = Requests[E]['result'];
  register(socket, event);
  // Registered untyped on purpose: whatever a client sends (any number of arguments, any shape) is judged below.
  (socket as unknown as { on(e: string, fn: (...args: unknown[]) => void): void }).on(event, async (...args: unknown[]) => {
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return; // every event of ours expects an answer; without one there is no one to tell
    const reply = ack as (a: Ack<R>) => void;
    try {
      if (args.length !== 2 || !isPlainObject(args[0])) throw badRequest(`${event} expects one object and an acknowledgement.`);
      const input = parseInput(schema, args[0]);
      if (limiter) {
        const t = limiter.take(socket.data.viewer.user.id);
        if (!t.ok) throw new AppError(429, 'rate_limited', 'You are sending too fast. Please wait a moment.', { retryAfterSeconds: t.retryAfterSeconds });
      }
      const answer = { ok: true, ...(await run(input, socketContext(socket))) } as Ack<R>;
      holdWrites(socket); // answers that finish together (a group commit's) leave with its pushes, in one write
      reply(answer);
    } catch (err) {
      reply(errorAck(deps, err, event));
    }
  });
}
