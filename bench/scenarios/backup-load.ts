import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { withCleanup, type BenchContext } from '../lib/context.js';
import type { SocketSpec } from '../lib/receiver.js';
import { seedWorld } from '../lib/seed.js';
import { startTarget } from '../lib/cluster.js';
import { freshDataDir, openBenchTarget, ROOT, SERVER_ENTRY } from '../lib/server.js';

/** What `backUpUnderLoad` measured: the backup's own time idle and while chat flows, and that flow. */
export interface BackupLoadResult {
  database_mb: number;
  idle_s: number;
  loaded_s: number;
  /** Acknowledged chat messages per second while the loaded backup ran (the whole send window). */
  msgs_per_s: number;
  archive_mb: number;
}

/** `debrief backup FILE` as its own process; resolves with the time and size it reports ("(… MB, …) in 1.17 s."). */
function backUp(env: Record<string, string>, file: string): Promise<{ s: number; mb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER_ENTRY, 'backup', file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (status) => {
      const m = /\(([\d.]+) MB[^)]*\) in ([\d.]+) s\.$/m.exec(out);
      if (status !== 0 || !m) return reject(new Error(`backup exited ${status}: ${err || out}`));
      resolve({ mb: Number(m[1]), s: Number(m[2]) });
    });
  });
}

/**
 * The backup under the throughput load (issue 16): a database with 40,000 messages of history
 * (about 45 MB), backed up once idle and once while every seeded Collaborator sends chat messages
 * with acks as fast as the server takes them. `VACUUM INTO` is one read transaction, so the loaded
 * backup costs CPU time shared with the senders, never a restart per commit.
 */
export async function backUpUnderLoad(ctx: BenchContext): Promise<BackupLoadResult> {
  return withCleanup(async (defer) => {
    const dataDir = freshDataDir();
    const seedDb = await openBenchTarget(ctx, dataDir);
    const world = await seedWorld(seedDb.db, {
      clients: 4,
      usersPerClient: 8,
      role: 'collaborator',
      staff: 1,
      idleMs: 30 * 60_000,
      absoluteMs: 12 * 3_600_000,
    });
    const author = await seedDb.db.selectFrom('users').select('id').where('client_id', '=', world.clients[0]!.id).executeTakeFirstOrThrow();
    const body = 'x'.repeat(1000);
    for (let batch = 0; batch < 40; batch++)
      await seedDb.db
        .insertInto('chat_messages')
        .values(
          Array.from({ length: 1000 }, (_, i) => ({
            client_id: world.clients[0]!.id,
            author_id: author.id,
            body,
            client_message_id: `hist-${batch}-${i}`,
            created_at: Date.now() - 86_400_000,
          })),
        )
        .execute();
    await sql`pragma wal_checkpoint(truncate)`.execute(seedDb.db);
    await seedDb.close();
    const server = await startTarget(ctx, { dataDir, env: seedDb.env });
    defer(() => server.stop());
    const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...seedDb.env };
    const idle = await backUp(env, path.join(dataDir, 'idle.tar'));
    const pool = await ctx.pool(2);
    defer(() => pool.closeSockets());
    const specs = world.clients.flatMap((c) => c.users.map((u): SocketSpec => ({ cookie: u.cookie!, group: c.id, clientId: c.id })));
    await pool.connect({ url: server.url, origin: server.url, mode: 'sio', subscribe: true, concurrency: 32, timeoutMs: 20_000 }, pool.deal(specs));
    await pool.reset();
    const sendMs = Math.max(8000, Math.ceil(idle.s * 10_000));
    const blast = pool.blast(sendMs, 32, 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    const loaded = await backUp(env, path.join(dataDir, 'loaded.tar'));
    await blast;
    const rep = await pool.report('group');
    const result = {
      database_mb: idle.mb,
      idle_s: idle.s,
      loaded_s: loaded.s,
      msgs_per_s: Math.round(rep.acked / (sendMs / 1000)),
      archive_mb: loaded.mb,
    };
    ctx.log(`backup: idle ${idle.s} s, under ${result.msgs_per_s} acked msg/s ${loaded.s} s, archive ${loaded.mb} MB`);
    return result;
  });
}
