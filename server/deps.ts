import type { Db } from '../db/client.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { AppDeps } from './context.js';
import { createBus } from './events/bus.js';
import { createSetupGate } from './auth/setup.js';
import { createMailer } from './services/mailer.js';
import { createWriteQueue } from './services/group-commit.js';
import type { Redis } from './cluster/redis.js';
import { createMetrics } from './metrics.js';

/** Wire the app's collaborators once, the same way for `npm start` and for tests. */
export async function buildDeps(base: { db: Db; config: Config; logger: Logger; clock: () => number; redis?: Redis | null }): Promise<AppDeps> {
  const bus = createBus(base.logger);
  const setup = await createSetupGate(base);
  const mailer = createMailer(base);
  bus.on('mail.queued', async () => {
    bus.publish('outbox.changed', {});
    await mailer.deliverDue();
    bus.publish('outbox.changed', {});
  });
  const metrics = createMetrics(base.config);
  const writes = createWriteQueue(base.db, bus, base.logger, base.config.writeBatchMax, metrics.groupCommit);
  return { ...base, redis: base.redis ?? null, bus, setup, mailer, writes, metrics };
}
