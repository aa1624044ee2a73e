import { createHash } from 'node:crypto';

/**
 * THE canonical form of an audit row and of a checkpoint (issue 15, point 14): one definition,
 * used by the writer (server/audit.ts), the checkpoint signer and `npm run audit:verify`. The
 * README's "Audit trail: tamper evidence" section states it exactly; changing it breaks every
 * existing chain, so it is frozen (the chain migration holds a copy of the row form).
 */

/** The prev_hash of the very first row: 64 zeros. */
export const GENESIS = '0'.repeat(64);

/** The fields a row's hash covers, in this order. */
export const CHAINED_FIELDS = [
  'id',
  'at',
  'actor_id',
  'actor_email',
  'actor_kind',
  'client_id',
  'action',
  'target_type',
  'target_id',
  'ip',
  'user_agent',
  'outcome',
  'request_id',
  'source',
  'details',
] as const;

/** A row's chained fields as stored (numbers for id and at, text or null for the rest). */
export type ChainedRow = { id: number; at: number } & Record<Exclude<(typeof CHAINED_FIELDS)[number], 'id' | 'at'>, string | null>;

/** `["<id>", …]`: the chained fields as a JSON array, in order, null for an absent value (JSON.stringify's escaping). */
function canonicalRow(row: ChainedRow): string {
  return JSON.stringify(CHAINED_FIELDS.map((f) => row[f] ?? null));
}

/** hash = lower-case hex SHA-256 of the UTF-8 bytes of prev_hash followed by the canonical row. */
export function rowHash(prevHash: string, row: ChainedRow): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalRow(row), 'utf8').digest('hex');
}

/** What a checkpoint states: the chain up to `last_id` ends in `hash` and holds `count` rows since genesis; written at `at`. */
export interface CheckpointFacts {
  last_id: number;
  hash: string;
  count: number;
  at: number;
}

/** The bytes a checkpoint's Ed25519 signature covers: `debrief-audit-checkpoint-v1\n<last_id>\n<hash>\n<count>\n<at>` (UTF-8). */
export function checkpointMessage(c: CheckpointFacts): Buffer {
  return Buffer.from(`debrief-audit-checkpoint-v1\n${c.last_id}\n${c.hash}\n${c.count}\n${c.at}`, 'utf8');
}
