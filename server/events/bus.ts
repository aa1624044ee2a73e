import type { Logger } from '../logger.js';
import type { SignOutReason } from '../contracts/sign-out.js';

/** In-process domain events (`resource.pastTense`), published only after the change committed. */
export interface DomainEvents {
  /**
   * Sessions that no longer exist (logout, revocation, expiry): their live sockets are told the
   * reason (null: the person's own sign-out, nothing to explain) and must go.
   */
  'sessions.ended': { sessionIds: string[]; reason: SignOutReason | null };
  /**
   * What a client's people may see or do narrowed (IP allowlist, modules, portal switch, archive, a
   * finding withdrawn or deleted): open sockets are judged again at once.
   */
  'access.changed': { clientId: string };
  /**
   * Which clients staff reach may have changed (the firm's "analysts see every client" setting, a
   * client's assigned analysts, a project team, a staff role): open staff sockets are re-scoped.
   */
  'scope.changed': Record<string, never>;
  /** Mail was queued in the outbox; the mailer should try to deliver. */
  'mail.queued': Record<string, never>;
  /** The outbox changed (mail queued, or a delivery round ended): admins' open Outbox pages reload. */
  'outbox.changed': Record<string, never>;
  /** Rows were committed to the client event log; the realtime feed pushes them in order. */
  'events.appended': Record<string, never>;
  /** Notification rows were committed: push them live, mail the people who are offline. */
  'notifications.created': { ids: number[] };
  /** A person's notifications were read (another tab, the chat read): their open pages get the new counts. */
  'notifications.read': { userId: string };
  /** A chat message was committed (notifications tell the people who are away). */
  'chat.posted': { clientId: string; messageId: number; authorId: string };
  /** The firm's brand or its messages were saved or reset: open pages fetch them again. */
  'brand.updated': Record<string, never>;
  /** A client's visible fields or portal modules changed: its open portal pages read their data again. */
  'portal.reconfigured': { clientId: string };
}

type Handler<K extends keyof DomainEvents> = (payload: DomainEvents[K]) => void | Promise<void>;

export interface Bus {
  on<K extends keyof DomainEvents>(name: K, handler: Handler<K>): void;
  /** Run every handler; a failing handler is logged and never reaches the caller (the write already committed). */
  publish<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void;
  /** Resolves once no handler is running (those started by handlers included): shutdown, tests. */
  idle(): Promise<void>;
}

export function createBus(logger: Logger): Bus {
  const handlers = new Map<string, Handler<any>[]>();
  const running = new Set<Promise<void>>();
  return {
    on(name, handler) {
      handlers.set(name, [...(handlers.get(name) ?? []), handler]);
    },
    publish(name, payload) {
      for (const h of handlers.get(name) ?? []) {
        const run: Promise<void> = Promise.resolve()
          .then(() => h(payload))
          .catch((err) => logger.error({ err, event: name }, 'event handler failed'))
          .finally(() => running.delete(run));
        running.add(run);
      }
    },
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}

/**
 * A bus for use inside a transaction: `endUserSessions({ db: trx, bus: d.bus }, …)` deletes the
 * sessions with the change, and their `sessions.ended` is only announced by `d.flush()` after
 * commit (no socket is closed for a change that rolled back).
 */
export function deferredBus(real: Bus): { bus: Bus; flush(): void } {
  const queued: (() => void)[] = [];
  return {
    bus: {
      on: real.on,
      publish: (name, payload) => void queued.push(() => real.publish(name, payload)),
      idle: real.idle,
    },
    flush: () => queued.splice(0).forEach((f) => f()),
  };
}
