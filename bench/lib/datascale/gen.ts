import type Database from 'better-sqlite3';
import type { Rand } from './rand.js';

/** What every part of the generator shares: the raw database handle, the PRNG, the clock, and the log events it collects. */
export interface Gen {
  sqlite: Database.Database;
  r: Rand;
  /** The firm's "now" (Unix ms): every row is dated before it. */
  now: number;
  scale: number;
  /** Where uploaded files live (DATA_DIR/uploads); files are written only when given. */
  uploadsDir?: string;
  /** Changes newer than this are still in the event log (the server keeps EVENT_RETENTION_HOURS of it). */
  windowStart: number;
  /** Event-log rows to write, in any order (sorted by time before insert). */
  events: NewEvent[];
  /** How many changes are older than the retention window (they were logged and pruned). */
  pruned: number;
}

export interface NewEvent {
  at: number;
  client_id: string;
  type: string;
  audience: 'all' | 'staff';
  entity_id: string;
  data: string;
}

/** A prepared single-row insert: `run(a, b, …)` in the column order given. */
export function inserter(sqlite: Database.Database, table: string, cols: readonly string[]) {
  const stmt = sqlite.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`);
  return (...values: unknown[]) => stmt.run(...values);
}

/** Record a change made at `at`: an event-log row when it is recent enough to still be logged, else a pruned position. */
export function logEvent(g: Gen, e: NewEvent): void {
  if (e.at >= g.windowStart) g.events.push(e);
  else g.pruned++;
}

/** A person the generator made. */
export interface Person {
  id: string;
  name: string;
  kind: 'staff' | 'portal';
  role: 'admin' | 'analyst' | 'manager' | 'collaborator' | 'viewer';
  active: boolean;
  /** Index into `People.clients`, or -1 for staff. */
  client: number;
}

export interface ClientInfo {
  id: string;
  name: string;
  domain: string;
  createdAt: number;
  users: Person[];
  /** Active Managers and Collaborators: the people who write. */
  talkers: Person[];
  managers: Person[];
  /** Staff on the team of any of its projects (filled as projects are made). */
  staff: Set<Person>;
}

export interface People {
  admins: Person[];
  analysts: Person[];
  staff: Person[];
  clients: ClientInfo[];
}

export interface ProjectInfo {
  id: string;
  client: number;
  team: Person[];
}

export interface FindingInfo {
  id: string;
  client: number;
  project: number;
  title: string;
  published: boolean;
  createdAt: number;
  publishedAt: number | null;
}
