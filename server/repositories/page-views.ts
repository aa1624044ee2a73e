import type { Kysely } from 'kysely';
import { dialectOf } from '../../db/client.js';
import type { Database } from '../../db/schema.js';

/** The page-view throttle's two tables (see the migration `page-view-limits`); every function runs in the caller's transaction. */

type Db = Kysely<Database>;

/**
 * Mark `page` as viewed now in this session, unless it was within `repeatMs`: true when marked (a
 * fresh view), false for a repeat. One atomic upsert, so two instances can't both take the minute.
 */
export async function markPageView(trx: Db, sessionId: string, page: string, now: number, repeatMs: number): Promise<boolean> {
  const row = await trx
    .insertInto('page_view_marks')
    .values({ session_id: sessionId, page, at: now })
    .onConflict((oc) =>
      oc
        .columns(['session_id', 'page'])
        .doUpdateSet({ at: now })
        .where('page_view_marks.at', '<=', now - repeatMs),
    )
    .returning('at')
    .executeTakeFirst();
  return row !== undefined;
}

/** What taking the budget did: whether a fresh view may be recorded, and the counts of a window that just closed (when it had any). */
export interface BudgetTurn {
  taken: boolean;
  closedWindow: { windowStart: number; repeats: number; overCap: number } | null;
}

/**
 * Count one report against the session's hourly budget: a repeat is counted as such; a fresh view
 * takes a place if fewer than `cap` were recorded this window, else is counted as over the cap.
 * The row is locked while it is read and changed (PostgreSQL: FOR UPDATE; SQLite: the caller's
 * transaction already holds the write lock from `markPageView`), so concurrent reports of one
 * session on several instances never exceed the cap.
 */
export async function takePageViewBudget(
  trx: Db,
  sessionId: string,
  now: number,
  rule: { windowMs: number; cap: number; repeat: boolean },
): Promise<BudgetTurn> {
  await trx
    .insertInto('page_view_budgets')
    .values({ session_id: sessionId, window_start: now })
    .onConflict((oc) => oc.column('session_id').doNothing())
    .execute();
  const b = await trx
    .selectFrom('page_view_budgets')
    .select(['window_start', 'recorded', 'repeats', 'over_cap'])
    .where('session_id', '=', sessionId)
    .$if(dialectOf(trx) === 'postgres', (q) => q.forUpdate())
    .executeTakeFirstOrThrow();
  const expired = Number(b.window_start) <= now - rule.windowMs;
  const closedWindow =
    expired && Number(b.repeats) + Number(b.over_cap) > 0
      ? { windowStart: Number(b.window_start), repeats: Number(b.repeats), overCap: Number(b.over_cap) }
      : null;
  const counts = expired
    ? { window_start: now, recorded: 0, repeats: 0, over_cap: 0 }
    : { recorded: Number(b.recorded), repeats: Number(b.repeats), over_cap: Number(b.over_cap) };
  const taken = !rule.repeat && counts.recorded < rule.cap;
  if (rule.repeat) counts.repeats++;
  else if (taken) counts.recorded++;
  else counts.over_cap++;
  await trx.updateTable('page_view_budgets').set(counts).where('session_id', '=', sessionId).execute();
  return { taken, closedWindow };
}
