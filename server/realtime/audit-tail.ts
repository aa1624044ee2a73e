import type { AppDeps } from '../context.js';
import { AuditTailInput, type AuditFilters } from '../contracts/audit.js';
import { forbidden } from '../errors.js';
import { auditRowsSql, mayReadAudit } from '../policies/audit.js';
import { presentAuditRow } from '../presenters/audit.js';
import { auditAfter, filterConditions, newestAuditId } from '../repositories/audit-read.js';
import { findFirm } from '../repositories/firm.js';
import { findUser } from '../repositories/users.js';
import { handler } from './ack.js';
import { rooms } from './rooms.js';
import type { AppSocket } from './socket-types.js';

/** How often an instance looks for new rows while someone tails (and so at most one push a second per socket). */
const TICK_MS = 1000;
/** Rows one push carries at most; the rest come on the next tick. */
const PUSH_MAX = 200;

interface Tail {
  socket: AppSocket;
  filters: AuditFilters;
  /** The newest id this socket has been given (or was shown when it started). */
  last: number;
}

/**
 * The Audit page's live tail. A staff socket that may read the audit log (the same rule as the
 * page: `policies/audit.ts`) starts it with the page's filters and the newest id it shows; it joins
 * the staff-only tail room. While this instance has tailing sockets it polls the database about
 * once a second for ids above the lowest one given, and pushes each socket its own matching rows
 * (oldest first, one push per tick) — to its own sockets only, so several instances need nothing
 * from Redis: each polls the shared database for its own sockets. Before every push the viewer is
 * judged again from the database (role, status, the firm's analysts switch); one who may no
 * longer read is taken out of the room and told `audit:tail-ended`. Portal sockets can never
 * start it (403).
 */
export function createAuditTail(deps: AppDeps) {
  const tails = new Map<string, Tail>();
  let timer: NodeJS.Timeout | null = null;
  let running = false;

  function stop(socket: AppSocket): void {
    if (!tails.delete(socket.id)) return;
    void socket.leave(rooms.auditTail());
    if (!tails.size && timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  async function tick(): Promise<void> {
    if (running) return; // a slow database: never two polls at once
    running = true;
    try {
      const newest = await newestAuditId(deps.db);
      const waiting = [...tails.values()].filter((t) => t.last < newest);
      if (!waiting.length) return;
      const firm = await findFirm(deps.db);
      for (const t of waiting) {
        const user = await findUser(deps.db, t.socket.data.viewer.user.id);
        const scope = t.socket.data.viewer.user.scope;
        if (!user || t.socket.disconnected || !mayReadAudit({ ...user, scope }, firm)) {
          stop(t.socket);
          if (t.socket.connected) t.socket.emit('audit:tail-ended', {});
          continue;
        }
        const where = [auditRowsSql({ ...user, scope }), ...filterConditions(deps.db, t.filters)];
        const rows = await auditAfter(deps.db, where, t.last, newest, PUSH_MAX);
        t.last = rows.length === PUSH_MAX ? Number(rows[rows.length - 1]!.id) : newest;
        if (rows.length && tails.get(t.socket.id) === t) t.socket.emit('audit:rows', { rows: rows.map(presentAuditRow) });
      }
    } catch (err) {
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'audit tail poll failed');
    } finally {
      running = false;
    }
  }

  const handlers = [
    handler(deps, 'audit:tail', AuditTailInput, async (input, ctx, socket) => {
      if (!input.on) {
        stop(socket);
        return { position: 0 };
      }
      if (!mayReadAudit(ctx.viewer.user, await findFirm(deps.db))) throw forbidden();
      const last = input.after ?? (await newestAuditId(deps.db));
      if (socket.disconnected) throw forbidden();
      tails.set(socket.id, { socket, filters: input.filters ?? {}, last });
      void socket.join(rooms.auditTail());
      if (!timer) {
        timer = setInterval(() => void tick(), TICK_MS);
        timer.unref();
      }
      return { position: last };
    }),
  ];

  /** A socket went away: it tails no more (one function for every socket). */
  function gone(this: AppSocket): void {
    stop(this);
  }

  /** At shutdown: no more polls. */
  function close(): void {
    if (timer) clearInterval(timer);
    timer = null;
    tails.clear();
  }

  return { handlers, gone, close };
}
