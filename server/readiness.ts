import { sql } from 'kysely';
import type { AppDeps } from './context.js';
import { dialectOf } from '../db/client.js';
import { migrations } from '../db/migrations/index.js';
import { pgMigrations } from '../db/migrations-pg/index.js';
import { freeDiskBytes } from './services/disk.js';
import { redisAnswers } from './cluster/redis.js';

/** What `/readyz` checks; a failing one is named in its 503 (never a path or a number). */
export type ReadinessCheck = 'disk' | 'database' | 'migrations' | 'redis';

/** How long one round of checks is reused: the database write is tried at most this often. */
export const READINESS_TTL_MS = 2000;

/**
 * Readiness (issue 16, point 8): this instance can take writes now. Each round checks, at once:
 * - `disk`: at least MIN_FREE_DISK_MB free (fs.statfs) where the database and the uploads live;
 * - `database`: a one-row write works (an upsert of the only row of `readiness_probe`, a table of
 *   its own, so no product row is locked or changed);
 * - `migrations`: every migration of this build is applied (none pending);
 * - `redis`, with several instances: Redis answers.
 * A round is reused for READINESS_TTL_MS, and requests meanwhile share the one in flight, so a
 * busy prober costs one small write every 2 seconds at most.
 */
export function createReadiness(deps: Pick<AppDeps, 'db' | 'config' | 'redis' | 'logger'>): () => Promise<ReadinessCheck[]> {
  let last: { at: number; failing: Promise<ReadinessCheck[]> } | null = null;
  let reported = '';

  const disk = async () => {
    for (const dir of new Set([deps.config.dataDir, deps.config.uploadsDir])) if ((await freeDiskBytes(dir)) < deps.config.minFreeDiskBytes) return false;
    return true;
  };
  const database = async () => {
    await deps.db
      .insertInto('readiness_probe')
      .values({ id: 1, probed_at: Date.now() })
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ probed_at: eb.ref('excluded.probed_at') })))
      .execute();
    return true;
  };
  const migrationsCurrent = async () => {
    const build = Object.keys(dialectOf(deps.db) === 'postgres' ? pgMigrations : migrations);
    // Unreadable: the database check names the database; this one fails only when a migration is known to be pending.
    const rows = await sql<{ name: string }>`select name from kysely_migration`
      .execute(deps.db)
      .then((r) => r.rows)
      .catch(() => null);
    if (!rows) return true;
    const applied = new Set(rows.map((r) => r.name));
    return build.every((name) => applied.has(name));
  };
  const redis = async () => (deps.redis ? redisAnswers(deps.redis) : true);

  async function round(): Promise<ReadinessCheck[]> {
    const checks: [ReadinessCheck, () => Promise<boolean>][] = [
      ['disk', disk],
      ['database', database],
      ['migrations', migrationsCurrent],
      ['redis', redis],
    ];
    const outcomes = await Promise.all(
      checks.map(async ([name, check]) => {
        try {
          return (await check()) ? null : name;
        } catch (err) {
          // The cause goes to the log (with its code); the answer only names the check.
          deps.logger.warn({ err, check: name }, 'readiness check failed');
          return name;
        }
      }),
    );
    const failing = outcomes.filter((n): n is ReadinessCheck => n !== null);
    // A change of state is logged once, not every round.
    if (failing.join() !== reported) {
      deps.logger[failing.length ? 'warn' : 'info']({ failing }, failing.length ? 'not ready' : 'ready');
      reported = failing.join();
    }
    return failing;
  }

  return () => {
    const now = Date.now();
    if (!last || now - last.at >= READINESS_TTL_MS) last = { at: now, failing: round() };
    return last.failing;
  };
}
