import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config.js';
import { freeDiskBytes } from './services/disk.js';

/**
 * What `/metrics` reports (issue 16, point 11), in Prometheus' text format through prom-client.
 * One registry per server instance (tests run many servers in one process; prom-client's global
 * registry would mix them). No label ever carries a person, a client, an e-mail or a raw path:
 * labels are fixed words (audience, volume, method, status class) or the Express route pattern.
 */
export interface Metrics {
  registry: Registry;
  /** Live sockets by audience; its value is read from the Socket.IO server when scraped (`countSockets`). */
  countSockets(count: () => { staff: number; portal: number }): void;
  /** Feed events pushed to a room of this instance's sockets. */
  eventsPushed: Counter<'audience'>;
  /** One group commit: how long its transaction took and how many writes it carried. */
  groupCommit(seconds: number, writes: number): void;
  httpDuration: Histogram<'method' | 'route' | 'status_class'>;
}

/** The newest scheduled or manual backup archive (`*.tar`) in `dir`: its mtime in seconds, or null when there is none. */
async function lastBackupSeconds(dir: string): Promise<number | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  let newest: number | null = null;
  for (const name of names.filter((n) => n.endsWith('.tar'))) {
    const s = await stat(path.join(dir, name)).catch(() => null);
    if (s?.isFile() && (newest === null || s.mtimeMs > newest)) newest = s.mtimeMs;
  }
  return newest === null ? null : newest / 1000;
}

/** The metrics of one server instance, on a registry of its own. */
export function createMetrics(config: Pick<Config, 'dataDir' | 'uploadsDir' | 'backupDir'>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let sockets: () => { staff: number; portal: number } = () => ({ staff: 0, portal: 0 });
  new Gauge({
    name: 'debrief_sockets',
    help: 'Live Socket.IO connections on this instance, by audience (staff or portal).',
    labelNames: ['audience'],
    registers: [registry],
    collect() {
      const n = sockets();
      this.set({ audience: 'staff' }, n.staff);
      this.set({ audience: 'portal' }, n.portal);
    },
  });
  const eventsPushed = new Counter({
    name: 'debrief_events_pushed_total',
    help: 'Live feed events pushed to the sockets of this instance, by audience.',
    labelNames: ['audience'] as const,
    registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: 'debrief_group_commit_seconds',
    help: 'Time one group commit (a transaction carrying queued chat and comment writes) took.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const commitWrites = new Histogram({
    name: 'debrief_group_commit_writes',
    help: 'Writes carried by one group commit.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'debrief_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern (never the raw path) and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'debrief_last_backup_timestamp_seconds',
    help: 'When the newest backup archive in BACKUP_DIR was written (Unix seconds); absent while there is none.',
    registers: [registry],
    async collect() {
      const at = await lastBackupSeconds(config.backupDir);
      if (at === null) this.reset();
      else this.set(at);
    },
  });
  new Gauge({
    name: 'debrief_disk_free_bytes',
    help: 'Bytes free to Debrief on the file system of its data folder and of its uploads folder.',
    labelNames: ['volume'],
    registers: [registry],
    async collect() {
      for (const [volume, dir] of [
        ['data', config.dataDir],
        ['uploads', config.uploadsDir],
      ] as const) {
        const free = await freeDiskBytes(dir).catch(() => null);
        if (free !== null) this.set({ volume }, free);
      }
    },
  });
  return {
    registry,
    countSockets: (count) => void (sockets = count),
    eventsPushed,
    groupCommit(seconds, writes) {
      commitSeconds.observe(seconds);
      commitWrites.observe(writes);
    },
    httpDuration,
  };
}
